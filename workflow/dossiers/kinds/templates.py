"""Templates of a kind shipped outside templates/ (a kind with its own `template_dir`)."""
from jinja2 import BaseLoader, FileSystemLoader, TemplateNotFound

from . import KINDS


class KindTemplateLoader(BaseLoader):
    def get_source(self, environment, template):
        parts = template.split("/")
        kind = KINDS.get(parts[1]) if len(parts) > 2 and parts[0] == "kinds" else None
        if kind is None or not kind.template_dir:
            raise TemplateNotFound(template)
        return FileSystemLoader(kind.template_dir).get_source(environment, template)
