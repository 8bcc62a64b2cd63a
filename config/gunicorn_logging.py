"""gunicorn's logger with the secret half of self-service links masked in every access-log atom."""

from gunicorn.glogging import Logger

from config.logging import mask_secrets


class MaskingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: mask_secrets(value) if isinstance(value, str) else value for key, value in atoms.items()}
