"""Form of "print every block's documents of a year" (page and API share it)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import DataRequired

from portal.document_pages.common import province_layouts
from portal.services.blocks import block_years


class PrintAllForm(FlaskForm):
    year = SelectField(_l("Năm thi đua"), coerce=int, validators=[DataRequired()])
    layout_code = SelectField(_l("Mẫu văn bản"), validators=[DataRequired()])

    def fill(self, province) -> PrintAllForm:
        """The years that have blocks, newest first, and the layouts in force in ``province``."""
        self.year.choices = [(y, str(y)) for y in block_years(province.id)]
        self.layout_code.choices = [(i["code"], i["title"]) for i in province_layouts(province)]
        return self
