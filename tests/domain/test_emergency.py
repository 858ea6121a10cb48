from hypothesis import given
from hypothesis import strategies as st

from bot.domain.emergency import emergencies


def test_each_emergency_is_recognised() -> None:
    assert emergencies("楼道里有很浓的煤气味") == ["emergency.gas"]
    assert emergencies("3号楼着火了，有烟") == ["emergency.fire"]
    assert emergencies("楼下有人持刀打人") == ["emergency.violence"]
    assert emergencies("邻居老人晕倒在楼梯上") == ["emergency.medical"]
    assert emergencies("I smell gas and there is smoke") == ["emergency.gas", "emergency.fire"]


def test_ordinary_reports_raise_no_alarm() -> None:
    assert emergencies("3号楼2单元楼道堆满纸箱") == []
    assert emergencies("路灯坏了") == []


@given(st.text())
def test_never_raises(text: str) -> None:
    assert all(key.startswith("emergency.") for key in emergencies(text))
