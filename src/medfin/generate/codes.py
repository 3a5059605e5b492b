"""Clinical code pools for the synthetic extract: SKS-shaped diagnosis and procedure codes.

Diagnosis codes are real ICD-10 categories in SKS form ('D' + ICD-10), chosen so that the groups the
marts and later indicators look for occur: COPD (DJ44), diabetes (DE10-DE14) and the preventable-
admission groups for the elderly. Weights are simulation parameters, not statistics.
Procedure codes are SKS-shaped (K operations, B treatments, U imaging, Z/W other) and mostly
synthetic: they have the official shape, not official meanings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Diagnosis:
    code: str
    mdc: int
    name: str
    w_child: float  # weight as action diagnosis, age 0-17
    w_adult: float  # age 18-64
    w_elderly: float  # age 65+
    sex: str = ""  # "K" / "M" when sex-specific
    tag: str = ""  # copd, diabetes, preventable, newborn, birth


DIAGNOSES: tuple[Diagnosis, ...] = (
    Diagnosis("DG439", 1, "Migraine", 0.5, 1.5, 0.3),
    Diagnosis("DG409", 1, "Epilepsy", 0.8, 0.8, 0.5),
    Diagnosis("DI639", 1, "Cerebral infarction", 0.0, 0.6, 2.5),
    Diagnosis("DS060", 1, "Concussion", 1.5, 0.8, 0.6),
    Diagnosis("DH251", 2, "Age-related cataract", 0.0, 0.3, 2.5),
    Diagnosis("DH401", 2, "Open-angle glaucoma", 0.0, 0.4, 1.2),
    Diagnosis("DH659", 3, "Otitis media", 2.5, 0.3, 0.1),
    Diagnosis("DJ350", 3, "Chronic tonsillitis", 1.2, 0.6, 0.0),
    Diagnosis("DJ441", 4, "COPD with acute exacerbation", 0.0, 0.4, 2.0, tag="copd"),
    Diagnosis("DJ449", 4, "COPD, unspecified", 0.0, 0.4, 1.5, tag="copd"),
    Diagnosis("DJ189", 4, "Pneumonia, unspecified", 0.8, 0.6, 2.5, tag="preventable"),
    Diagnosis("DJ459", 4, "Asthma", 1.5, 0.8, 0.3),
    Diagnosis("DI219", 5, "Acute myocardial infarction", 0.0, 0.6, 1.5),
    Diagnosis("DI489", 5, "Atrial fibrillation", 0.0, 0.7, 2.5),
    Diagnosis("DI509", 5, "Heart failure", 0.0, 0.3, 2.0),
    Diagnosis("DR074", 5, "Chest pain", 0.1, 1.5, 1.2),
    Diagnosis("DA099", 6, "Gastroenteritis", 1.5, 0.6, 0.8, tag="preventable"),
    Diagnosis("DK409", 6, "Inguinal hernia", 0.4, 0.8, 0.6),
    Diagnosis("DK590", 6, "Constipation", 0.6, 0.3, 0.8, tag="preventable"),
    Diagnosis("DR109", 6, "Abdominal pain", 1.0, 1.5, 0.8),
    Diagnosis("DK802", 7, "Gallstones", 0.0, 1.0, 0.7),
    Diagnosis("DM179", 8, "Gonarthrosis", 0.0, 0.8, 1.8),
    Diagnosis("DM161", 8, "Coxarthrosis", 0.0, 0.5, 1.5),
    Diagnosis("DS720", 8, "Fracture of femoral neck", 0.0, 0.1, 1.5, tag="preventable"),
    Diagnosis("DS525", 8, "Fracture of lower end of radius", 0.8, 0.6, 0.8),
    Diagnosis("DM545", 8, "Low back pain", 0.2, 1.8, 0.8),
    Diagnosis("DL899", 9, "Pressure ulcer", 0.0, 0.05, 0.6, tag="preventable"),
    Diagnosis("DL209", 9, "Atopic dermatitis", 1.2, 0.4, 0.1),
    Diagnosis("DE109", 10, "Type 1 diabetes", 0.6, 0.5, 0.3, tag="diabetes"),
    Diagnosis("DE119", 10, "Type 2 diabetes", 0.0, 0.6, 1.2, tag="diabetes"),
    Diagnosis("DE139", 10, "Other specified diabetes", 0.0, 0.1, 0.2, tag="diabetes"),
    Diagnosis("DE149", 10, "Unspecified diabetes", 0.0, 0.1, 0.2, tag="diabetes"),
    Diagnosis("DE869", 10, "Dehydration", 0.3, 0.1, 1.0, tag="preventable"),
    Diagnosis("DE039", 10, "Hypothyroidism", 0.1, 0.6, 0.5),
    Diagnosis("DN390", 11, "Urinary tract infection", 0.5, 0.5, 1.8, tag="preventable"),
    Diagnosis("DN189", 11, "Chronic kidney disease", 0.0, 0.3, 0.8),
    Diagnosis("DN400", 12, "Benign prostatic hyperplasia", 0.0, 0.2, 1.0, sex="M"),
    Diagnosis("DC61", 12, "Malignant neoplasm of prostate", 0.0, 0.2, 1.0, sex="M"),
    Diagnosis("DC509", 13, "Malignant neoplasm of breast", 0.0, 0.8, 0.8, sex="K"),
    Diagnosis("DN951", 13, "Menopausal disorder", 0.0, 0.6, 0.1, sex="K"),
    Diagnosis("DO800", 14, "Spontaneous vertex delivery", 0.0, 2.5, 0.0, sex="K", tag="birth"),
    Diagnosis("DO479", 14, "False labour", 0.0, 1.2, 0.0, sex="K", tag="birth"),
    Diagnosis("DZ380", 15, "Liveborn infant, born in hospital", 0.0, 0.0, 0.0, tag="newborn"),
    Diagnosis("DP599", 15, "Neonatal jaundice", 0.0, 0.0, 0.0, tag="newborn"),
    Diagnosis("DD509", 16, "Iron deficiency anaemia", 0.2, 0.3, 0.6, tag="preventable"),
    Diagnosis("DC189", 17, "Malignant neoplasm of colon", 0.0, 0.4, 1.2),
    Diagnosis("DC349", 17, "Malignant neoplasm of lung", 0.0, 0.3, 1.0),
    Diagnosis("DA419", 18, "Sepsis", 0.2, 0.2, 0.8),
    Diagnosis("DB349", 18, "Viral infection", 2.0, 0.5, 0.2),
    Diagnosis("DF329", 19, "Depressive episode", 0.1, 0.4, 0.2),
    Diagnosis("DF100", 20, "Acute alcohol intoxication", 0.1, 0.5, 0.2),
    Diagnosis("DT141", 21, "Open wound", 1.2, 1.0, 0.6),
    Diagnosis("DT784", 21, "Allergy, unspecified", 0.8, 0.4, 0.1),
    Diagnosis("DT300", 22, "Burn", 0.3, 0.2, 0.1),
    Diagnosis("DZ038", 23, "Observation for suspected disease", 1.5, 2.0, 1.5),
    Diagnosis("DZ740", 23, "Reduced mobility, care dependency", 0.0, 0.0, 0.6, tag="preventable"),
    Diagnosis("DZ098", 23, "Follow-up examination", 0.8, 1.5, 1.5),
)

# Secondary (B) diagnoses that are not tied to the action diagnosis: common comorbidity.
COMORBIDITY_CODES: tuple[str, ...] = (
    "DI109",
    "DE785",
    "DI489",
    "DF329",
    "DZ921",
    "DR509",
    "DE669",
    "DM819",
    "DZ864",
    "DG473",
)

# Chronic conditions carried as secondary diagnoses on every contact of a chronic patient.
COPD_CODE = "DJ449"
DIABETES_CODES: tuple[str, ...] = ("DE109", "DE119", "DE139", "DE149")


def diagnosis_arrays() -> dict[str, np.ndarray]:
    """The catalogue as parallel numpy arrays, for vectorised sampling."""
    return {
        "code": np.array([d.code for d in DIAGNOSES]),
        "mdc": np.array([d.mdc for d in DIAGNOSES], dtype=np.int16),
        "w_child": np.array([d.w_child for d in DIAGNOSES]),
        "w_adult": np.array([d.w_adult for d in DIAGNOSES]),
        "w_elderly": np.array([d.w_elderly for d in DIAGNOSES]),
        "male_ok": np.array([d.sex in ("", "M") for d in DIAGNOSES]),
        "female_ok": np.array([d.sex in ("", "K") for d in DIAGNOSES]),
        "tag": np.array([d.tag for d in DIAGNOSES]),
    }


# Organ-system letter of SKS operation codes (K + letter), per MDC, for surgical procedure pools.
_MDC_ORGAN_LETTER = {
    1: "A",
    2: "C",
    3: "D",
    4: "G",
    5: "F",
    6: "J",
    7: "J",
    8: "N",
    9: "Q",
    10: "B",
    11: "K",
    12: "K",
    13: "L",
    14: "M",
    15: "M",
    16: "P",
    17: "J",
    18: "T",
    19: "A",
    20: "A",
    21: "T",
    22: "Q",
    23: "T",
}
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXY"


def procedure_pools(rng_seed: int = 20210101) -> tuple[dict[int, np.ndarray], np.ndarray]:
    """(surgical codes per MDC, general non-surgical codes), deterministic for a fixed seed."""
    rng = np.random.default_rng(rng_seed)
    surgical: dict[int, np.ndarray] = {}
    for mdc, organ in _MDC_ORGAN_LETTER.items():
        codes = {
            f"K{organ}{_LETTERS[a]}{_LETTERS[b]}{n:02d}"
            for a, b, n in zip(
                rng.integers(0, len(_LETTERS), 40),
                rng.integers(0, len(_LETTERS), 40),
                rng.integers(0, 99, 40) // 10 * 10,
                strict=True,
            )
        }
        surgical[mdc] = np.array(sorted(codes)[:20])
    general: set[str] = {"BJFZ", "ZZ0149", "BVAA33A", "UXRC00", "UXCD00", "BWAA62", "ZZ4991"}
    while len(general) < 240:
        kind = rng.integers(0, 4)
        a, b, c = (_LETTERS[i] for i in rng.integers(0, len(_LETTERS), 3))
        n = int(rng.integers(0, 100))
        if kind == 0:
            general.add(f"B{a}{b}{c}")
        elif kind == 1:
            general.add(f"U{a}{b}{c}{n:02d}")
        elif kind == 2:
            general.add(f"ZZ{int(rng.integers(0, 10000)):04d}")
        else:
            general.add(f"W{a}{b}{c}{n:02d}")
    return surgical, np.array(sorted(general))
