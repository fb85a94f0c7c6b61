"""A demo roster file for trying the roster import: new workers of one union, and exactly three bad rows.

It is laid out as unions send them (a title line, then Chinese headers), and is the same on
every run. The workers were born in 2004, after every demo member, so none of them is a member
yet; the three bad rows are a wrong check digit, a phone with a digit missing, and a union that
does not exist.
"""

from __future__ import annotations

import io
import random
from datetime import date, timedelta

from openpyxl import Workbook

from unionhub.core.validators import id_check_character

from .demo_data import SEED, person_name, phone_number

HEADERS = ["序号", "姓名", "身份证号码", "手机号码", "工会名称", "职业", "用工形式", "入会时间", "工作单位"]
# Rows (1-based, as in the file) that are wrong on purpose, and how.
BAD_ROWS = {6: "id_checksum", 9: "phone", 13: "union_unknown"}
UNKNOWN_UNION = "不存在的工会委员会"


def demo_roster(union_name: str, *, workers: int = 12) -> bytes:
    """An xlsx roster of ``workers`` rows for ``union_name``; rows BAD_ROWS are wrong as they say."""
    rng = random.Random(f"{SEED}:roster")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "会员名册"
    sheet.append([f"{union_name}会员名册"])
    sheet.append(HEADERS)
    for n in range(workers):
        row_number = n + 3  # after the title and the header row
        male = rng.random() < 0.6
        body = f"330226{date(2004, 1, 1) + timedelta(days=n * 17):%Y%m%d}{n * 2 + (1 if male else 0):03d}"
        check = id_check_character(body)
        if BAD_ROWS.get(row_number) == "id_checksum":
            check = "0" if check != "0" else "1"
        phone = phone_number(rng)
        if BAD_ROWS.get(row_number) == "phone":
            phone = phone[:-1]
        sheet.append(
            [
                n + 1,
                person_name(rng, male=male),
                body + check,
                phone,
                UNKNOWN_UNION if BAD_ROWS.get(row_number) == "union_unknown" else union_name,
                rng.choice(["外卖骑手", "快递员", "网约车司机", "工厂工人"]),
                rng.choice(["新就业形态", "标准劳动关系"]),
                "2025-05-20",
                rng.choice(["美团", "饿了么", "顺丰速运", "宁海县东方五金厂"]),
            ]
        )
    for column in "BCDE":
        sheet.column_dimensions[column].width = 22
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
