"""Korean fake data for simulators: names, mobile numbers, companies, 사업자등록번호, addresses.

Every function draws only from the `random.Random` it is given, so the same seed gives the same
data. The region table holds real 시도/시군구/법정동/도로명 combinations with their English forms;
the 10-digit codes use the real 시군구 prefixes but are simulator data, not an authoritative
lookup. `DataGenerator` in `datagen` wraps these functions as methods.

사업자등록번호 (business registration number, "123-45-67890") check digit, over digits d0..d8:

    s = d0*1 + d1*3 + d2*7 + d3*1 + d4*3 + d5*7 + d6*1 + d7*3 + d8*5 + (d8*5) // 10
    check = (10 - s % 10) % 10

Weights 1, 3 and 7 are coprime with 10, and d8 -> d8*5 + (d8*5)//10 is a permutation mod 10,
so any single mistyped digit changes the expected check digit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = [
    "KoreanAddress",
    "business_number",
    "business_number_check_digit",
    "is_valid_business_number",
    "korean_address",
    "korean_company",
    "korean_name",
    "korean_phone",
]

_FAMILY = "김이박최정강조윤장임한오서신권황안송류홍"
_GIVEN = (
    "민준", "서연", "지우", "서준", "하윤", "도윤", "지민", "예준", "수아", "시우",
    "지호", "하은", "주원", "윤서", "건우", "채원", "우진", "지유", "현우", "다은",
    "선우", "은서", "유준", "소율", "정우", "예린", "승현", "민서", "준혁", "지안",
)  # fmt: skip
_CO_STEM = (
    "한빛", "새솔", "누리", "푸른", "다온", "미래", "하늘", "바른", "가온", "온누리",
    "은하", "별빛", "한결", "세움", "나래", "두리", "빛고을", "으뜸", "해솔", "아름",
)  # fmt: skip
_CO_KIND = (
    "테크", "소프트", "물산", "상사", "건설", "식품", "디자인", "랩스", "시스템",
    "네트웍스", "에너지", "바이오", "로지스", "미디어", "컨설팅",
)  # fmt: skip
_BUILDINGS = (
    "", "", "", "한빛타워", "센트럴프라자", "새솔빌딩", "누리센터", "하늘채아파트",
    "푸른마을아파트", "다온오피스텔", "가온타워", "비즈니스센터", "스타빌딩",
)  # fmt: skip
# (sido, sigungu, emd, road, 법정동코드, zip range, English sido, sigungu, road)
_REGIONS: tuple[tuple[str, str, str, str, str, tuple[int, int], str, str, str], ...] = (
    ("서울특별시", "강남구", "역삼동", "테헤란로", "1168010100", (6100, 6299),
     "Seoul", "Gangnam-gu", "Teheran-ro"),
    ("서울특별시", "종로구", "세종로", "세종대로", "1111011900", (3140, 3189),
     "Seoul", "Jongno-gu", "Sejong-daero"),
    ("서울특별시", "마포구", "서교동", "양화로", "1144012000", (4000, 4059),
     "Seoul", "Mapo-gu", "Yanghwa-ro"),
    ("부산광역시", "해운대구", "우동", "해운대로", "2635010500", (48050, 48119),
     "Busan", "Haeundae-gu", "Haeundae-ro"),
    ("경기도", "성남시 분당구", "정자동", "불정로", "4113510300", (13550, 13619),
     "Gyeonggi-do", "Bundang-gu, Seongnam-si", "Buljeong-ro"),
    ("인천광역시", "연수구", "송도동", "컨벤시아대로", "2818510600", (21980, 22019),
     "Incheon", "Yeonsu-gu", "Convensia-daero"),
    ("대구광역시", "수성구", "범어동", "달구벌대로", "2726010600", (42020, 42099),
     "Daegu", "Suseong-gu", "Dalgubeol-daero"),
    ("대전광역시", "유성구", "봉명동", "대학로", "3020011800", (34160, 34199),
     "Daejeon", "Yuseong-gu", "Daehak-ro"),
    ("광주광역시", "서구", "치평동", "상무중앙로", "2914012000", (61940, 61979),
     "Gwangju", "Seo-gu", "Sangmujungang-ro"),
    ("제주특별자치도", "제주시", "연동", "연북로", "5011013200", (63120, 63139),
     "Jeju-do", "Jeju-si", "Yeonbuk-ro"),
)  # fmt: skip
_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


@dataclass(frozen=True, slots=True)
class KoreanAddress:
    """One address in the shape Korean address-search APIs (juso.go.kr style) return."""

    road_address: str
    jibun_address: str
    zip_code: str
    sido: str
    sigungu: str
    emd: str
    road_name: str
    building_no: str
    building_name: str
    eng_address: str
    adm_code: str
    building_mgmt_no: str


def business_number_check_digit(first_nine: str) -> int:
    """The 사업자등록번호 check digit for the first nine digits (see the module docstring)."""
    if len(first_nine) != 9 or not first_nine.isdigit() or not first_nine.isascii():
        raise ValueError("expected exactly nine ASCII digits")
    digits = [int(c) for c in first_nine]
    total = sum(d * w for d, w in zip(digits, _WEIGHTS, strict=True)) + (digits[8] * 5) // 10
    return (10 - total % 10) % 10


def is_valid_business_number(number: str) -> bool:
    """Whether `number` ("123-45-67890", dashes optional) has a correct check digit."""
    digits = number.replace("-", "")
    if len(digits) != 10 or not digits.isdigit() or not digits.isascii():
        return False
    return business_number_check_digit(digits[:9]) == int(digits[9])


def business_number(rng: random.Random) -> str:
    """A 사업자등록번호 "123-45-67890" with a valid check digit."""
    first_nine = f"{rng.randint(101, 899)}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
    digits = f"{first_nine}{business_number_check_digit(first_nine)}"
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


def korean_name(rng: random.Random) -> str:
    """A family name plus a two-syllable given name in Hangul, e.g. 김민준."""
    return rng.choice(_FAMILY) + rng.choice(_GIVEN)


def korean_phone(rng: random.Random) -> str:
    """A 010 mobile number in E.164, e.g. +821023456789."""
    return f"+8210{rng.randint(2, 9)}{rng.randint(0, 9_999_999):07d}"


def korean_company(rng: random.Random) -> str:
    """A company name such as (주)한빛테크, 주식회사 누리소프트 or 새솔물산(주)."""
    name = rng.choice(_CO_STEM) + rng.choice(_CO_KIND)
    form = rng.choice(("(주){}", "(주){}", "주식회사 {}", "{}(주)"))
    return form.format(name)


def korean_address(rng: random.Random) -> KoreanAddress:
    """A consistent road/jibun/English address from the region table.

    `road_address` and `jibun_address` carry no building name or 참고항목 ("(역삼동, ...)");
    a simulator that mimics juso.go.kr's `roadAddr` can append them from `emd`/`building_name`.
    """
    sido, sigungu, emd, road, adm_code, (zip_lo, zip_hi), sido_en, sigungu_en, road_en = rng.choice(
        _REGIONS
    )
    building_no = str(rng.randint(1, 400))
    if rng.random() < 0.2:
        building_no += f"-{rng.randint(1, 30)}"
    jibun_main = rng.randint(1, 999)
    jibun_sub = rng.randint(1, 40) if rng.random() < 0.25 else 0
    jibun = f"{sido} {sigungu} {emd} {jibun_main}" + (f"-{jibun_sub}" if jibun_sub else "")
    serial = rng.randint(0, 999_999)
    return KoreanAddress(
        road_address=f"{sido} {sigungu} {road} {building_no}",
        jibun_address=jibun,
        zip_code=f"{rng.randint(zip_lo, zip_hi):05d}",
        sido=sido,
        sigungu=sigungu,
        emd=emd,
        road_name=road,
        building_no=building_no,
        building_name=rng.choice(_BUILDINGS),
        eng_address=f"{building_no} {road_en}, {sigungu_en}, {sido_en}",
        adm_code=adm_code,
        building_mgmt_no=f"{adm_code}0{jibun_main:04d}{jibun_sub:04d}{serial:06d}",
    )
