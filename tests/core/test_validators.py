"""Chinese identifiers are checked by their standards' check characters."""

import pytest
from django.core.exceptions import ValidationError

from unionhub.core.validators import (
    credit_check_character,
    id_check_character,
    validate_credit_code,
    validate_id_number,
    validate_phone,
    validate_union_credit_code,
)


def test_a_known_good_id_number_passes():
    validate_id_number("11010519491231002X")  # the standard's own example


def test_an_id_number_with_a_wrong_check_digit_is_refused():
    with pytest.raises(ValidationError) as error:
        validate_id_number("110105194912310021")
    assert error.value.code == "checksum"


@pytest.mark.parametrize("value", ["12345", "11010519491331002X", "1101051949123100ZX"])
def test_malformed_id_numbers_are_refused(value):
    with pytest.raises(ValidationError):
        validate_id_number(value)


def test_the_check_characters_are_computed_as_the_standards_say():
    assert id_check_character("11010519491231002") == "X"
    assert credit_check_character("91350100M000100Y4") == "3"  # GB 32100 worked example: …M000100Y43


def test_a_union_credit_code_must_start_with_81():
    body = "81330226MA2AB1234"
    validate_union_credit_code(body + credit_check_character(body))
    enterprise = "91330226MA2AB1234"
    with pytest.raises(ValidationError) as error:
        validate_union_credit_code(enterprise + credit_check_character(enterprise))
    assert error.value.code == "not_union"


@pytest.mark.parametrize("value", ["91350100M000100Y44", "9135010OM000100Y43", "913501"])
def test_bad_credit_codes_are_refused(value):
    with pytest.raises(ValidationError):
        validate_credit_code(value)


@pytest.mark.parametrize("value", ["13800138000", "+86 138-0013-8000", "19912345678"])
def test_mainland_mobiles_pass(value):
    validate_phone(value)


@pytest.mark.parametrize("value", ["12800138000", "1380013800", "010-12345678"])
def test_other_numbers_are_refused(value):
    with pytest.raises(ValidationError):
        validate_phone(value)


@pytest.mark.parametrize("birth", ["19900231", "20991231", "18001010"])
def test_an_id_number_must_carry_a_real_past_birth_date(birth):
    body = f"330226{birth}123"
    with pytest.raises(ValidationError) as error:
        validate_id_number(body + id_check_character(body))
    assert error.value.code == "birth_date"


def test_api_dates_and_times_outside_1970_to_2099_are_refused_on_their_field():
    # Before 1901 Asia/Shanghai is local mean time (+08:05:43), which RFC 3339 cannot write.
    from rest_framework.exceptions import ValidationError as ApiValidationError

    from unionhub.core.api.serializers import DateTimeField

    field = DateTimeField()

    assert field.to_internal_value("2026-12-04T09:00:00+08:00").year == 2026
    for moment in ("0173-01-01T08:00:00+08:00", "1969-12-31T23:00:00Z", "2100-01-01T00:00:00Z"):
        with pytest.raises(ApiValidationError) as refused:
            field.to_internal_value(moment)
        assert refused.value.detail[0].code == "out_of_range"
