"""Hook specifications: the plugin API of the portal.

Rules for every hook (see ``docs/plugins.md``):

* The core calls hooks with keyword arguments only. An implementation may accept any subset of the
  documented arguments (pluggy passes only those it names); never give them default values.
* Return ``None`` to mean "no opinion". Do not mutate the arguments.
* Province-scoped hooks are called through ``portal.api.hooks_for(province)``: only the core
  defaults and the plugins *enabled for that province* answer, so a province plugin never needs to
  check which province it is serving.
* Each docstring states when the hook is called, its scope, and how answers are combined.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("portal")
hookimpl = pluggy.HookimplMarker("portal")


@hookspec
def register_award_types():
    """Return the award types (``list[AwardType]``) this plugin adds to the catalogue.

    Called once per set of enabled plugins, when the catalogue is first needed; cached.

    Scope: province. Combination: collected by ``code``; a plugin of a higher rank (province over
    generic plugin over core) replaces an entry with the same code; two plugins of the same rank
    defining one code raise ``StartupError``.
    """


@hookspec
def register_report_layouts():
    """Return the printed-document layouts (``list[ReportLayout]``) this plugin provides.

    Called once per set of enabled plugins, when a document is first printed; cached.

    Scope: province. Combination: collected by ``code``, with the same replacement rule as
    ``register_award_types``: a province's layout with the code of a national one replaces it.
    """


@hookspec
def scoring_criteria(province, block, year):
    """Return the criteria-table templates (``list[CriteriaTemplate]``) this plugin offers for
    ``block`` in emulation ``year``; the block leader or the province starts a table from one.

    Called when a criteria table is being created. Scope: province. Combination: collected by
    ``code``; a province plugin's template replaces a generic one with the same code.
    """


@hookspec
def validate_scoring_round(province, block, meeting_date, conference_date):
    """Return messages (``list[str]``, Vietnamese, each citing its source) for what is wrong
    with a scoring round's dates, or ``None``/``[]`` when nothing is.

    Called when a round's dates are set or changed. Scope: province. Combination: veto —
    every plugin's messages are gathered, and any message refuses the dates.
    """


@hookspec(firstresult=True)
def ranking_rules(province, block):
    """Return the ``RankingRules`` (bands, tie-breakers) for ``block``'s ranking.

    Called whenever a ranking is computed. Scope: province. Combination: first result wins
    (a province plugin is asked before the core); the core default has no bands and breaks no
    ties, so equal totals share a rank and are flagged.
    """


@hookspec(firstresult=True)
def ballot_rules(province, block, award_type):
    """Return the ``BallotRules`` for a block's secret ballot nominating for ``award_type``
    (an ``AwardType``): the basis, the exact fraction, strict or not, and the tie outcome.

    Called when a ballot is created (its rule is copied onto it, so a later change of settings
    never alters a ballot already held). Scope: province. Combination: first result wins; the
    core default is "more than half of all member units", with a run-off on a tie.
    """


@hookspec
def register_award_categories():
    """Return the award categories (``list[AwardCategory]``) records are counted under.

    Called once per set of enabled plugins; cached. Scope: province. Combination: collected by
    ``code``, a province's category replacing a generic one with the same code.
    """


@hookspec
def dossier_requirements(province, nomination, award_type):
    """Return what the dossier of ``nomination`` must contain (``list[Requirement]``).

    Called when a dossier's checklist is built. Scope: province. Combination: collected by
    ``code``; a province plugin's requirement replaces a generic one with the same code, so a
    province can make an item optional or change its title.
    """


@hookspec
def validate_nomination(province, nomination, award_type):
    """Return findings (``list[Finding]``) about ``nomination``: each an error or a warning, in
    Vietnamese, citing its legal source.

    Called when a dossier is checked and before it is submitted. Scope: province. Combination:
    veto — every plugin's findings are shown together; any error blocks submission, and each
    warning needs an acknowledgement that is recorded.
    """


@hookspec
def award_calendar(province, year):
    """Return the deadlines (``list[Deadline]``) of emulation ``year``'s review for ``province``.

    Called by dashboards and when a dossier is submitted (a submission after its deadline is
    accepted only if the province allows late submissions, and is marked late). Scope: province.
    Combination: collected by ``code``; a province replaces a generic deadline with its own.
    """


@hookspec
def validate_award_records(province, year, counts_by_unit):
    """Return findings (``list[Finding]``) about the awards recorded for emulation ``year``:
    ``counts_by_unit`` maps each unit's name to ``{award code: number of decided records}``.

    Called when records are imported or saved and when the year's statistics are shown; the
    findings are listed, they do not block. Scope: province. Combination: collected.
    """
