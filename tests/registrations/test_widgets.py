"""GroupedSelect writes the markup Django's Select would, only faster."""

from html.parser import HTMLParser

from django import forms

from registrations.widgets import GroupedSelect, LazyChoices

CHOICES = [
    ("", "Velg kommune"),
    ("Oslo", [(301, "Oslo")]),
    ("Troms og Finnmark", [(5401, "Tromsø"), (5444, 'Sør-Varanger <"&">')]),
]


class _Parsed(HTMLParser):
    def __init__(self):
        super().__init__()
        self.items = []

    def handle_starttag(self, tag, attrs):
        self.items.append((tag, tuple(sorted(attrs))))

    def handle_endtag(self, tag):
        self.items.append(("/" + tag,))

    def handle_data(self, data):
        if data.strip():
            self.items.append(("text", data.strip()))


def dom(html: str) -> list:
    parsed = _Parsed()
    parsed.feed(html)
    return parsed.items


def test_it_renders_the_same_elements_as_djangos_select_with_the_value_selected_and_labels_escaped():
    attrs = {"id": "id_municipality", "class": "form-select", "aria-describedby": "id_municipality_error"}
    ours = GroupedSelect(choices=CHOICES).render("municipality", 5444, attrs)
    django = forms.Select(choices=CHOICES).render("municipality", 5444, attrs)
    assert dom(ours) == dom(django)
    assert "Sør-Varanger &lt;&quot;&amp;&quot;&gt;" in ours
    assert '<option value="5444" selected>' in ours


def test_lazy_choices_are_built_once_and_only_when_used():
    calls = []

    def build():
        calls.append(1)
        return CHOICES

    choices = LazyChoices(build)
    field = forms.ChoiceField(choices=choices, widget=GroupedSelect)
    assert calls == []
    field.widget.render("m", None)
    list(field.choices)
    assert calls == [1]
