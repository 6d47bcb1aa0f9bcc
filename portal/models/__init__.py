"""All models, importable from one place (Alembic autogenerate sees them through this module)."""

from portal.models.audit import AuditLog
from portal.models.awards import (
    Acknowledgement,
    AwardRecord,
    Dossier,
    DossierEvent,
    DossierItem,
    DossierState,
    Nomination,
    PersonGroup,
    RecordStatus,
)
from portal.models.ballots import (
    Ballot,
    BallotCandidate,
    BallotMethod,
    BallotMode,
    BallotPaper,
    BallotParticipation,
    BallotState,
    BallotVoter,
    PaperCount,
    TallyMember,
)
from portal.models.blocks import Block, block_members
from portal.models.documents import Document, DocumentSeries
from portal.models.job import Job, JobState
from portal.models.provinces import Province, ProvincePlugin
from portal.models.scoring import (
    AgreedScore,
    CriteriaTable,
    Criterion,
    CriterionKind,
    CrossScore,
    Evidence,
    RoundMember,
    RoundState,
    ScoringRound,
    SelfScore,
)
from portal.models.settings import PluginSetting
from portal.models.units import Unit, UnitKind
from portal.models.users import ApiToken, Role, RoleAssignment, User

__all__ = [
    "PluginSetting",
    "Acknowledgement",
    "AwardRecord",
    "Dossier",
    "DossierEvent",
    "DossierItem",
    "DossierState",
    "Nomination",
    "PersonGroup",
    "RecordStatus",
    "Ballot",
    "BallotCandidate",
    "BallotMethod",
    "BallotMode",
    "BallotPaper",
    "BallotParticipation",
    "BallotState",
    "BallotVoter",
    "PaperCount",
    "TallyMember",
    "AgreedScore",
    "CriteriaTable",
    "Criterion",
    "CriterionKind",
    "CrossScore",
    "Evidence",
    "RoundMember",
    "RoundState",
    "ScoringRound",
    "SelfScore",
    "ApiToken",
    "AuditLog",
    "Block",
    "Document",
    "DocumentSeries",
    "Job",
    "JobState",
    "Province",
    "ProvincePlugin",
    "Role",
    "RoleAssignment",
    "Unit",
    "UnitKind",
    "User",
    "block_members",
]
