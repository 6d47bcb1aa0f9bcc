#!/usr/bin/env bash
# Refresh the message catalogues after changing user-facing strings.
#
#   scripts/i18n.sh            extract -> update (or create) en and vi -> compile
#
# 1. Extracts every _(), gettext(), pgettext(), _l(), lazy_gettext(), lazy_pgettext() message from portal/, plugins/, provinces/
#    and portal/templates/ (map in babel.cfg) into portal/translations/messages.pot.
# 2. Updates portal/translations/{en,vi}/LC_MESSAGES/messages.po. Message ids are the Vietnamese
#    text, so the vi catalogue is filled automatically (msgstr = msgid). New or changed English
#    entries come out empty or "fuzzy": translate them in en/.../messages.po (and drop the
#    "#, fuzzy" line), then run this script again.
# 3. Compiles both catalogues to messages.mo (commit the .pot, .po and .mo files).
#
# tests/test_i18n.py fails while any message lacks English or a .mo file is stale.
# Override the tool with PYBABEL=/path/to/pybabel; run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
PYTHON=${PYTHON:-$(dirname "$PYBABEL")/python}
DIR=portal/translations
POT=$DIR/messages.pot

"$PYBABEL" -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 --add-comments=TRANSLATORS: \
    --project=thidua-portal --version=0.1.0 -o "$POT" .

for locale in vi en; do
    if [[ -f $DIR/$locale/LC_MESSAGES/messages.po ]]; then
        "$PYBABEL" -q update -i "$POT" -d "$DIR" -l "$locale" --ignore-obsolete
    else
        "$PYBABEL" -q init -i "$POT" -d "$DIR" -l "$locale"
    fi
done

# Vietnamese is the source language: every msgstr is its msgid. A new catalogue's header is
# marked fuzzy by `pybabel init`, which would stop `compile`: clear that mark.
"$PYTHON" - "$DIR" <<'PY'
import sys

from babel.messages.pofile import read_po, write_po

for locale in ("vi", "en"):
    path = f"{sys.argv[1]}/{locale}/LC_MESSAGES/messages.po"
    with open(path, "rb") as f:
        catalog = read_po(f, locale=locale)
    if locale == "vi":
        for message in catalog:
            if isinstance(message.id, tuple):  # ngettext: one plural form in Vietnamese
                message.string = (message.id[-1],) * catalog.num_plurals
            elif message.id:
                message.string = message.id
                message.flags.discard("fuzzy")
    elif not catalog.fuzzy:
        continue
    catalog.fuzzy = False
    with open(path, "wb") as f:
        write_po(f, catalog, ignore_obsolete=True)
PY

"$PYBABEL" compile -d "$DIR" --statistics
