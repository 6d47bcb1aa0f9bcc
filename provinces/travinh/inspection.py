"""The inspection rule Trà Vinh's 2023 report records (seed:TV §II.6): grassroots emulation
soldiers may not exceed a share (15 %) of a unit's advanced workers."""

from __future__ import annotations

from fractions import Fraction

from portal.api import Finding, format_percent

from .settings import REPORT

CSTD = "chien_si_thi_dua_co_so"
LDTT = "lao_dong_tien_tien"


def cap_findings(counts_by_unit: dict, cap_percent: float) -> list[Finding]:
    """One warning per unit over the cap, with the computation shown."""
    cap = Fraction(str(cap_percent)) / 100
    out = []
    for unit_name, counts in sorted(counts_by_unit.items()):
        cstd, ldtt = counts.get(CSTD, 0), counts.get(LDTT, 0)
        if not cstd:
            continue
        allowed = int(cap * ldtt)  # the cap rounds down: 15 % of 30 is 4,5 -> 4
        if cstd > allowed:
            share = format_percent(cstd, ldtt) if ldtt else "—"
            out.append(Finding(
                f"cstd_cap:{unit_name}", "warning",
                f"{unit_name}: {cstd} Chiến sĩ thi đua cơ sở trên {ldtt} Lao động tiên tiến ({share}), "
                f"vượt mức {cap_percent:g}% (tối đa {allowed}).",
                f"{REPORT}, mục 6 (kết luận thanh tra); Nghị định 91/2017/NĐ-CP, Điều 9 khoản 3",
            ))
    return out
