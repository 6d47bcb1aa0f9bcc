"""Pure business rules (no Flask, no database): scoring totals and ranking, working days."""
