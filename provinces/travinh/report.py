"""Trà Vinh's yearly award tables (seed:TV, "TỔNG HỢP KẾT QUẢ KHEN THƯỞNG"): the national two-level
table as the report prints it, followed by the report's own figures — the leader shares over the
orders and the Prime Minister's certificate (state level) and over certificates of merit and
provincial emulation soldiers (provincial level), with the previous year beside them; the
state-level proposals by status; the certificate of merit and the flag split by category."""

from __future__ import annotations

from dataclasses import dataclass

from plugins.national.layouts import AwardSummary
from portal.api import AwardSummaryData, award_summary_data, format_int, format_percent

from .settings import PLUGIN


@dataclass(frozen=True)
class TraVinhSummaryData:
    table: AwardSummaryData
    figures: tuple[str, ...]  # the report's sentences printed under the tables


def _share(part: int, whole: int) -> str:
    return f"{format_percent(part, whole)} ({format_int(part)}/{format_int(whole)})" if whole else "-"


def _leaders_sentence(level, what: str) -> str:
    leaders, individuals = level.headline
    before_leaders, before_individuals = level.previous_headline
    workers = individuals - leaders
    text = (
        f"Tỷ lệ khen thưởng {what} cho cán bộ lãnh đạo, quản lý là {_share(leaders, individuals)}; "
        f"cá nhân là nông dân, công nhân, chiến sĩ, công chức, viên chức không làm công tác quản lý là "
        f"{_share(workers, individuals)}"
    )
    if before_individuals:
        text += f" (năm trước: lãnh đạo, quản lý {_share(before_leaders, before_individuals)})"
    return text + "."


STATUS_WORDS = (("decided", "đã có quyết định"), ("pending", "chưa có quyết định"),
                ("submitted_upward", "đã trình, chờ xét"), ("returned", "bị trả lại"))


def figures(stats) -> tuple[str, ...]:
    out = []
    state, provincial = stats.levels.get("state"), stats.levels.get("provincial")
    if state is not None:
        total = sum(state.statuses.values())
        parts = [f"{format_int(state.statuses[k])} trường hợp {w}" for k, w in STATUS_WORDS if state.statuses.get(k)]
        if total:
            sentence = f"Khen thưởng cấp Nhà nước: đã trình {format_int(total)} trường hợp"
            sentence += (", trong đó " + "; ".join(parts)) if parts else ""
            reasons = "; ".join(f"{reason} ({format_int(n)})" for reason, n in state.returned_reasons if reason)
            out.append(sentence + (f" (lý do trả lại: {reasons})" if reasons else "") + ".")
        out.append(_leaders_sentence(state, "cấp Nhà nước về thành tích kinh tế - xã hội (Huân chương, Bằng khen của Thủ tướng Chính phủ)"))
    if provincial is not None:
        out.append(_leaders_sentence(provincial, "cấp tỉnh (Bằng khen, Chiến sĩ thi đua cấp tỉnh)"))
        names = {code: c.name for code, c in stats.categories.items()}
        for line in provincial.lines:
            order = {code: i for i, code in enumerate(stats.categories)}
            used = sorted(((code, split) for code, split in line.categories.items() if split[0] or split[1]),
                          key=lambda item: order.get(item[0], len(order)))
            if len(used) < 2 and not (used and used[0][0] != "ktxh"):
                continue
            parts = []
            for code, (collectives, individuals) in used:
                who = " và ".join(
                    x for x in (f"{format_int(collectives)} tập thể" if collectives else "",
                                f"{format_int(individuals)} cá nhân" if individuals else "") if x
                )
                parts.append(f"{names.get(code, code or 'chưa phân loại')}: {who}")
            out.append(f"{line.row.label}: {format_int(line.row.total)} ({'; '.join(parts)}).")
    return tuple(out)


class TraVinhAwardSummary(AwardSummary):
    """Replaces the national ``award_summary`` for Trà Vinh (same code)."""

    title = "Tổng hợp kết quả khen thưởng (Trà Vinh)"
    data_class = TraVinhSummaryData

    def sample(self):
        return TraVinhSummaryData(table=super().sample(), figures=())

    def story(self, data: TraVinhSummaryData):
        out = super().story(data.table)
        out += [self.blocks.paragraph(sentence) for sentence in data.figures]
        return out

    def metadata(self, data: TraVinhSummaryData):
        return super().metadata(data.table)

    def data_from_statistics(self, stats, *, attached_to: str = ""):
        from portal.api import plugin_setting

        reference = attached_to or plugin_setting(stats.province, PLUGIN, "report_reference")
        return TraVinhSummaryData(table=award_summary_data(stats, attached_to=reference), figures=figures(stats))
