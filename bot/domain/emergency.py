"""Dangers to life a report may describe, so the person is told at once whom to call (SPEC
§3: "gas smell → call 119 now") and the item is urgent and reaches the head who acts.

A life-safety reading outranks everything else in the text: "楼道里煤气味很重" mentions the
stairwell, but it is a gas leak, not stairwell clutter. It must also not cry wolf: a
blocked fire lane, a "fire hazard" (what heads call stairwell clutter), "the gas smell is
gone now", "万一着火了" (if there ever were a fire) or a neighbour's cigarette smoke are no
emergencies, and telling people to call 119 for those teaches them to ignore the real
warning. So each hazard is read from its signs with three checks:

- a denial or a maybe right before a sign cancels it ("没有煤气味", "不是煤气", "万一着火",
  "上回着火的那家", "no gas smell");
- words shortly after a sign saying it is over cancel it ("…已经灭了", "…已经没有了",
  "the fire is out");
- weak signs (smoke, "叫不醒", a hissing "漏气") count only when nothing ordinary in the
  text explains them (a chimney, someone smoking, a sleeping guard, a tyre).

Everything runs on ``normalize``d text with bounded windows and bounded repetitions, so any
text is read in linear time without raising.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from bot.domain.model import Category, Role, normalize


@dataclass(frozen=True)
class Hazard:
    """One kind of danger to life, what reveals it and what follows from it.

    ``role`` is the head who must act when it is not simply the category's own (police for
    gas, fire, violence and a person down, who can call the services and open a door);
    None leaves the category's role, which is right for a missing manhole cover (grid), a
    burst pipe (community) or a stuck lift (property). ``categories`` are the keys such a
    report is filed under, most fitting first: the reader takes, among those configured,
    the one the text's words weigh most ("暖气管爆了" is heating), on a tie the first.
    ``weak`` signs come with what explains them away (smoke: a chimney, a cigarette);
    ``needs`` is context the whole text must have (someone "被困" only matters in a lift).
    """

    kind: str
    role: Role | None
    categories: tuple[str, ...]
    signs: re.Pattern[str]
    weak: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = ()
    needs: re.Pattern[str] | None = None
    cleared: re.Pattern[str] | None = None

    @property
    def key(self) -> str:
        """The catalog key of the hint shown at once (``emergency.<kind>``)."""
        return f"emergency.{self.kind}"


def _re(pattern: str) -> re.Pattern[str]:
    """``re.compile``, short enough to keep the sign tables below on one line each."""
    return re.compile(pattern)


# Within one clause: signs, denials and "maybes" do not reach across these.
_CLAUSE = "[^,.;!?。、…~:]"
_CLAUSE_END = re.compile(r"[,.;!?。、…~:]")
# A sign preceded (within its clause) by one of these is denied: "没有煤气味", "不是煤气",
# "没闻到煤气味", "没人被困", "no gas smell", "I can't smell gas". Only a few filler words may
# stand between, so "没关煤气，闻到煤气味了" or "物业没人管煤气味越来越大" still count.
_DENIAL = _re(
    r"(?:没有|没|无|不是|并非|不像是?|未|别|没人|没有人|"
    r"\bnobody|\bno one|\bno|\bnot|\bnever|\bisn'?t|\bwasn'?t|\bdon'?t|\bdoesn'?t|\bdidn'?t|"
    r"\bcan'?t|\bcannot|\bno longer|\bwithout)"
    r"(?:\s?(?:闻到|闻见|闻着|闻|发现|看到|看见|见到|感觉到|听到|有|再|什么|啥|一点|任何|人|了|"
    r"smell(?:ing)?|see|any|a|the|more|signs? of|trace of)){0,3}\s?$"
)
# A sign after one of these (within its clause) is a possibility, a precaution or the past:
# "万一着火了跑不出去", "防止煤气中毒", "严禁明火", "上回着火的那家", "in case of fire".
_MAYBE = _re(
    r"万一|要是|如果|假如|一旦|容易|防止|预防|以防|禁止|严禁|不准|不许|演练|宣传|培训|"
    r"上回|上次|去年|前年|以前|上个月|上周|\bif\b|in case|prevent|\bdrill|training|"
    r"last (?:year|month|week|time)"
)
_BEFORE = 14  # characters looked at before a sign
_AFTER = 30  # characters looked at after a sign for "it is over"
# Said after any sign: it is over, or it was something else all along ("…原来是楼下炖菜",
# "…but it was just the drains"); a later sign is still read on its own ("…结果是燃气管
# 漏了"). "已经" needs a finished verb: "已经好几天了" is not over.
_OVER = (
    r"已经(?:灭|没了|没有了|好了|修好|处理|解决|排除|散了|盖上|救出|送医|送到医院|送去医院)|"
    r"没事了|处理好了|解决了|修好了|排除了|已处理|已解决|"
    r"\b(?:is|are|was|were|been|now) (?:out|fixed|repaired|resolved|covered|gone|over|fine|ok)\b|"
    r"all clear|no longer|put out|extinguished|原来是|其实是|结果是|"
    r"\bbut (?:it )?(?:was|is|'s) (?:just|only)\b|\bit was just\b|turned out to be"
)

# Phrases that contain a sign but name a precaution, not an emergency: a blocked fire lane
# is a parking report, and "火灾隐患" (a fire hazard) is what grid heads call stairwell
# clutter. They are blanked out before anything is read.
_FALSE_ALARMS = _re(
    r"火灾隐患|消防隐患|\bfire[ -]?(?:lane|exit|door|escape|extinguisher|hydrant|hazard|risk|"
    r"alarm|drill|safety|station|brigade|fighter|truck|engine|department)|"
    r"\bsmoke (?:detector|alarm)s?(?! (?:is |are )?(?:going off|ringing|sounding))"
)
# A drill or a talk is announced, not happening: its whole clause is blanked too
# ("电梯困人演练周五下午两点"), only when such a word is there (the clause pattern is slower).
_DRILL = _re(r"演练|演习|培训|讲座")
_DRILL_CLAUSE = _re(r"[^,.;!?。、…~:]{0,12}(?:演练|演习|培训|讲座)[^,.;!?。、…~:]{0,12}")

_DAYS = (
    r"(?:(?:几|好几|两|三|四|五|六|七|多|一两|两三|三四|四五|三五|十来|好多)(?:天|日)|"
    r"(?:一|两|几|好几)个?(?:礼拜|星期|周))"
)
_ALONE = (
    r"老人|老头|老太|老爷子|奶奶|爷爷|大爷|大娘|大妈|姥姥|姥爷|老两口|独居|一个人|自己住|孤寡|"
    r"孤身|空巢|孤老|婶|大叔|阿姨|大姨|"
    r"elderly|\bold (?:man|lady|woman|guy|couple|gentleman)|lives? alone|living alone|"
    r"on (?:his|her) own"
)
_GAS_WORD = r"(?:煤气|燃气|天然气|液化气|煤汽|燃汽|瓦斯)"
# Someone shouting for help: violence unless a lift, a fire or a hole explains it.
_CRY = _re(r"救命|呼救|\bhelp me\b|screaming for help|\bscreaming\b")
_CRY_EXPLAINED = _re(r"电梯|电悌|着火|起火|烟|井|掉进|\blift|\belevator|\bfire\b|\bsmoke")

# The hazards, most serious first: a text naming several is filed under the first.
# fmt: off
HAZARDS: tuple[Hazard, ...] = (
    Hazard(
        "gas", Role.POLICE, ("gas", "safety"),
        signs=_re(
            rf"{_GAS_WORD}{_CLAUSE}{{0,5}}?(?:味|泄漏|泄露|漏|嘶|呲|滋|丝丝)|"
            rf"闻(?:到|见|着)(?:一股)?{_GAS_WORD}|"
            # "有股怪味，像是煤气": the smell first, the guess after it.
            rf"味[^。]{{0,8}}?(?:像|好像|应该|估计|怀疑|可能|是不是|似乎)是?{_GAS_WORD}|"
            r"(?<![a-z])gas ?(?:smell|leak|odou?r)|smell(?:s|ing|ed)? (?:of |like )?gas\b|"
            r"leak(?:s|ing)? gas\b|(?<![a-z])gas (?:is |was )?(?:leak|hiss)|hiss\w* gas\b|"
            # The alarm that smells it, and the gas that has no smell (coal stoves, 炉子).
            r"(?:燃气|煤气|可燃气体?)报警器?[^,.;!?。]{0,4}?(?:响|叫|报警)|一氧化碳|煤烟中毒|"
            r"炉子[^。]{0,8}中毒|中毒[^。]{0,8}炉子|carbon monoxide|\b(?:co|gas) alarm"
        ),
        weak=(
            (_re(r"臭鸡蛋味|漏气|煤气中毒|燃气中毒"),
             _re(r"轮胎|车胎|气球|打气|充气|暖气|垃圾|下水|鸡蛋坏")),
        ),
        cleared=_re(r"没有了|没了|散了|闻不到|没味|没有味|消失"),
    ),
    Hazard(
        "fire", Role.POLICE, ("fire", "safety"),
        signs=_re(
            r"着火|起火|失火|火灾|火警|烧起来|(?<!睡不)着起来|燃起来|火苗|明火|火光|烧着了|"
            r"着了火|\bon fire\b|\bflames?\b|\bfire\b|\bblaze\b"
        ),
        weak=(
            (_re(
                r"冒烟|冒黑烟|浓烟|黑烟|烟雾|(?:全是|都是|好多|很多|满屋|满楼道|好大的?|老大的?)烟(?![头囱花酒盒草])|"
                r"烟(?:很|特别|老|贼)大|呛得|呛人|呛死|焦味|糊味|焦糊|烧焦|电线烧|"
                r"(?:冒|打|起)火花|火星子?|电火花|冒火|烟(?:感|雾报警器?)[^,.;!?。]{0,4}?(?:响|叫|报警)|"
                r"\bsmoke\b|\bsmoky\b|burning smell|smell of burning|smells? burn|\bsparks?\b"
            ), _re(
                r"烟囱|锅炉|烧纸|烧烤|抽烟|吸烟|炒菜|做饭|油烟|水汽|蒸汽|热气|烟花|鞭炮|熏|cigarette|"
                r"smoker|smoking|chimney|bbq|barbecue|steam|cooking|firework"
            )),
        ),
        cleared=_re(r"灭了|扑灭|熄灭|浇灭|灭掉|烧纸|烧烤|抽烟|\bis out\b|\bout now\b"),
    ),
    Hazard(
        "violence", Role.POLICE, ("safety", "dispute"),
        signs=_re(
            r"打人|打起来|打起架|群架|斗殴|互殴|群殴|殴打|持刀|拿刀|拿着刀|举着刀|动刀|砍人|砍伤|"
            r"捅人|捅伤|行凶|杀人|抢劫|家暴|打老婆|打媳妇|打孩子|打老人|打伤|打出血|打骂|吵打|"
            r"拿着?(?:棍|棒|砖|斧|铁锹|镐)|(?:拿|举|挥|抄|提)着?[^,.;!?。]{0,2}刀|"
            r"掐(?:脖子|住|人)|撕扯|扭打|厮打|揍(?:人|他|她)|干起来|干仗|掐起来|打成一团|"
            r"抢劫|抢[^,.;!?。]{0,5}?(?:包|钱|手机|东西|项链|金)|"
            r"踹(?:人|他|她)|扇(?:耳光|嘴巴|脸)|打耳光|往死里打|要杀(?:人|了|死)|要砍(?:人|死|他|她)|"
            r"跳楼(?!价|甩卖|大甩卖)|轻生|自杀|寻短见|割腕|(?<![楼往挂])上吊(?![根个着线])|"
            r"(?<!自己)(?<!亲自)动手(?!能力|术|修|做|干|拆|装|弄)|"
            r"\bknife|\bknives|\bstab|\bassault|\battack(?:ing|ed)\b|"
            r"\bbeat(?:ing)? (?:him|her|them|someone|somebody|up|his|my)\b|\bpunch|"
            r"\bfist ?fight|\bbrawl|\bviolen|domestic abuse|\bhitting (?:his|her|a|the)\b|"
            r"\bkicking (?:him|her|someone)|\bstrangl|\bchoking (?:him|her)|\bgun\b|"
            r"threaten\w* to kill|\bsuicid|\bjump(?:ing)? off"
        ),
        weak=(
            (_re(r"打架(?!子)|\bfighting\b"),
             _re(r"小孩|孩子|小朋友|学生|\bkids\b|\bchildren\b|\babout\b|\bover\b")),
            (_CRY, _CRY_EXPLAINED),
        ),
        cleared=_re(r"拉开了|劝开了|分开了|劝住了|被带走|带走了|调解"),
    ),
    Hazard(
        "medical", Role.POLICE, ("safety",),
        signs=_re(
            r"晕倒|昏倒|晕过去|昏过去|晕了过去|昏迷|不省人事|人事不省|休克|没有?呼吸|没气了|"
            r"口吐白沫|抽搐|抽风|心梗|脑梗|中风|心脏病(?:犯|发作)|犯病了|倒地|倒在地|"
            r"倒在了?(?:地|楼道|门口|路边|雪里|家里)|大出血|流了好多血|满脸是血|头破血流|磕破|"
            r"躺在?(?:地上|雪里|雪地里?|路上|路边|台阶上)|"
            r"(?:地上|雪地里?|雪里|路边|楼道里?|台阶上)躺着|"
            r"摔倒了?[^。]{0,12}(?:不动|起不来|没反应|昏|晕|流血|出血|骨折)|"
            r"抽过去|背过气|背过去了|昏死|晕死|喘不上气|上不来气|快不行了|人不行了|吐血|"
            r"烧伤|烫伤|(?:叫|打)(?:个)?(?:120|救护车)|"
            r"\bfaint|\bpassed out\b|\bunconscious|\bnot breathing\b|\bisn'?t breathing\b|"
            r"\bunresponsive|\bnot responding\b|\bisn'?t responding\b|\bheart attack|"
            r"\bstroke\b|\bseizure|\bbleeding\b|can'?t get up\b|\b(?:won'?t|can'?t|not) wake\b|"
            r"\blying (?:on|in) the (?:ground|floor|snow|street|road|stairs)|"
            r"can'?t breathe|\b(?:call|need) (?:an |the )?ambulance|"
            r"\bnot getting up\b|\bhit (?:his|her|their) head\b|\bhead injury|\bknocked out\b"
        ),
        weak=(
            (_re(
                r"叫不醒|喊不醒|起不来|爬不起来|动不了|一动不动|"
                r"(?:叫|喊)(?:他|她|人)?(?:也|都)?(?:不|没)(?:答应|应|醒|动|理|反应)|"
                r"\bcollapsed\b"
            ), _re(
                r"睡|早上|车|电梯|\broof|\bwall|\bceiling|\bshed\b|\bfence|\btree|\bbalcony|"
                r"\bawning|\bsnow"
            )),
        ),
        cleared=_re(r"醒了|醒过来|缓过来|送医院|送医|拉走了|接走了|送走了"),
    ),
    Hazard(
        "welfare", Role.POLICE, ("safety",),
        signs=_re(
            rf"{_DAYS}{_CLAUSE}{{0,5}}?(?:没有?|不)人?(?:开门|出门|出来|下楼|露面|见|看见|看到|"
            r"动静|应|接|回|开灯|亮|拿|取|联系)|"
            rf"{_DAYS}{_CLAUSE}{{0,5}}?(?:联系不上|打不通)|"
            rf"{_DAYS}[^。]{{0,20}}(?:敲门|叫门|按门铃)[^。]{{0,4}}(?:没人|不)(?:应|开|理)|"
            r"(?:报纸|牛奶|快递|外卖)都?(?:堆|挂|放)(?:着|了|满)|"
            r"\b(?:haven'?t|have not|hasn'?t|not) (?:seen|heard)\b.{0,40}"
            r"(?:for|in) (?:days|a week|weeks|(?:a few|several|two|three|four|\d+) days)|"
            r"\b(?:doesn'?t|does not|didn'?t|won'?t|not) answer(?:ing)? (?:the|her|his) "
            r"(?:door|phone)\b.{0,30}\bdays\b|"
            r"\b(?:haven'?t|hasn'?t|not) (?:seen|heard|answered)\b.{0,50}\bsince (?:monday|tuesday|"
            r"wednesday|thursday|friday|saturday|sunday|last week)"
        ),
        weak=(
            # The smell from a closed flat, unless the bins or the drains explain it.
            (_re(r"(?:屋里|家里|门缝|门口)[^,.;!?。]{0,6}?(?:臭味|异味|怪味)"),
             _re(r"垃圾|下水|厕所|狗|猫|饭|菜|烟|油")),
        ),
        needs=_re(_ALONE),
        cleared=_re(r"联系上|找到了|回来了|开门了|没事|住院|女儿家|儿子家|去外地"),
    ),
    Hazard(
        "manhole", None, ("facility",),
        signs=_re(
            r"(?:井盖|井口|窨井|下水井|雨水井|污水井|检查井)的?(?:盖子?)?"
            rf"{_CLAUSE}{{0,6}}?(?:丢|没了|没有了|不见|偷|被盗|缺|碎|破|裂|塌|陷|翻|掉|坏|敞|"
            r"掀|揭|挪开|搬走|开着|露着|移位|没盖|空了|窟窿)|"
            r"(?:没有?|丢了?|偷了?|少了?)个?井盖|"
            r"(?:路面|地面|地)塌陷|塌(?:了|出)个?(?:大)?坑|"
            r"\bmanhole\b.{0,30}\b(?:missing|gone|stolen|open|broken|cracked|uncovered|removed|"
            r"collapsed)|\b(?:missing|open|uncovered|broken) manhole"
        ),
        cleared=_re(r"盖上了|盖好了|补上|换上|换好"),
    ),
    Hazard(
        "burst_pipe", None, ("water", "heating"),
        signs=_re(
            r"(?:水管|暖气管|暖气片|暖气|管子|管道|管线|立管|主管|水表|阀门|接头|接口)"
            rf"{_CLAUSE}{{0,4}}?(?:爆了|爆开|爆裂|冻裂|冻爆|裂了|裂开|崩了|崩开|呲水|滋水|喷水|"
            r"往外喷|跑水)|跑水|爆管|冻裂|冻爆|(?:屋里|家里|地下室)(?:全是|都是)水|"
            r"\bburst\b|\bpipes? (?:has |have )?(?:split|cracked|broke)|\bflooding\b"
        ),
        cleared=_re(r"不漏了|止住了"),
    ),
    Hazard(
        "lift", None, ("property",),
        signs=_re(
            r"(?:困|关|卡|锁)在?了?电梯|"
            rf"电梯(?:里|内|里面|里头)?{_CLAUSE}{{0,6}}?(?:困|关|卡|锁)(?:住|着)?了?"
            r"(?:人|孩子|小孩|老人|个人)|被困|困住|困在|"
            r"电梯[^。]{0,10}(?:卡|停|坏|不动)[^。]{0,12}(?:里面|里头|里边)还?有(?:个|一个|两个)?"
            r"(?:人|孩子|小孩|老人)|(?:里面|里头|里边|电梯里)[^,.;!?。]{0,3}?出不来|"
            r"夹住了?(?:人|孩子|小孩|老人)|把(?:人|孩子|小孩|老人)夹|"
            # A lift falling or shooting up is an emergency whoever is inside.
            rf"电梯{_CLAUSE}{{0,6}}?(?:掉下|坠|下滑|溜车|冲顶|蹲底|往下掉)|"
            r"\b(?:stuck|trapped)\b.{0,20}\b(?:lift|elevator)|"
            r"\b(?:lift|elevator)\b.{0,30}\b(?:someone|somebody|people|person|kid|child|children)"
            r"\b.{0,10}\b(?:stuck|trapped|inside)|\b(?:lift|elevator)\b.{0,12}\b(?:fell|dropped)|"
            r"can'?t get out of the (?:lift|elevator)"
        ),
        needs=_re(r"电梯|电悌|\blift|\belevator"),
        cleared=_re(r"出来了|救出来|放出来|救下来|\bgot out\b"),
    ),
)
# fmt: on
_SHARED_OVER = _re(_OVER)
# Every sign holds a Latin letter or one of these characters: a text with neither (a run of
# digits, emoji, "急急急") names no hazard, and is not scanned a dozen times to learn that.
_SIGN_CHARS = "".join(sorted({
    char
    for hazard in HAZARDS
    for pattern in (hazard.signs, *(sign for sign, _ in hazard.weak))
    for char in pattern.pattern
    if "\u4e00" <= char <= "\u9fff"
}))
_MAY_HAVE_SIGNS = _re(f"[a-z{_SIGN_CHARS}]")


def _denied(text: str, start: int) -> bool:
    """Whether the sign at ``start`` is denied, hypothetical or past (see ``_DENIAL``)."""
    clause = _CLAUSE_END.split(text[max(0, start - _BEFORE) : start])[-1]
    return bool(_DENIAL.search(clause) or _MAYBE.search(clause))


def _over(hazard: Hazard, text: str, end: int) -> bool:
    """Whether the words right after a sign say the danger has passed."""
    after = text[end : end + _AFTER]
    return bool(_SHARED_OVER.search(after) or (hazard.cleared and hazard.cleared.search(after)))


def _present(hazard: Hazard, text: str) -> bool:
    """Whether ``text`` (normalized, false alarms blanked) names ``hazard`` as happening now."""
    if hazard.needs is not None and not hazard.needs.search(text):
        return False
    patterns = [hazard.signs]
    patterns += [sign for sign, explained_by in hazard.weak if not explained_by.search(text)]
    return any(
        not _denied(text, match.start()) and not _over(hazard, text, match.end())
        for pattern in patterns
        for match in pattern.finditer(text)
    )


@functools.lru_cache(maxsize=256)
def read_hazards(normalized: str) -> tuple[Hazard, ...]:
    """The hazards text already passed through ``normalize`` describes, most serious first.
    Remembered: the hint, the category and the priority of one report all ask."""
    if not _MAY_HAVE_SIGNS.search(normalized):
        return ()
    plain = _FALSE_ALARMS.sub(" ", normalized)
    if _DRILL.search(plain):
        plain = _DRILL_CLAUSE.sub(" ", plain)
    return tuple(hazard for hazard in HAZARDS if _present(hazard, plain))


def emergencies(text: str) -> list[str]:
    """The kinds of emergency the text mentions, as ``emergency.<kind>`` catalog keys."""
    return [hazard.key for hazard in read_hazards(normalize(text))]


def hints(text: str, category: Category, language: str) -> tuple[list[str], str]:
    """What to say at once about a report: emergency catalog keys from its words, and its
    category's own hint (config data, already in the right language) or "".

    The category's hint is left out when the text names a hazard filed under that very
    category (a burst pipe in "water", a leak in a configured "gas" category): the
    hazard's own hint is the same warning, and one warning is read where two are skimmed.
    """
    found = read_hazards(normalize(text))
    own = category.emergency_hint(language)
    if any(category.key in hazard.categories for hazard in found):
        own = ""
    return [hazard.key for hazard in found], own
