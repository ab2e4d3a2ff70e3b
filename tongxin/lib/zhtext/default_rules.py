"""The default screening rules (taxonomy.md). The triage app loads them into its editable rule
table once; administrators tune them there. Patterns read *normalised* text (simplified,
numerals as digits, lower case)."""

from __future__ import annotations

_GO = r"(?:去|到|上|进|赴|跑到|跑去|闹到)"
_PEOPLE = r"(?:工友|职工|矿工|工人|人|户|家|名|位|个人|老工人|退休职工|村民|兄弟)"

DEFAULT_RULES: list[dict] = [
    # --- high: extreme words --------------------------------------------------------------
    {"code": "self_harm", "kind": "risk", "flag": "extreme", "level": "high", "label": "自伤自残言论",
     "patterns": [r"跳楼", r"跳河", r"跳井", r"喝(?:农)?药", r"农药", r"自杀", r"寻死", r"轻生", r"不想活", r"活不下去",
                  r"死给.{0,4}看", r"一死了之", r"自焚", r"割腕", r"上吊", r"以死相逼", r"死在.{0,6}(?:门口|办公室|矿上)"],
     "exclude": [r"跳闸", r"跳槽", r"农药厂", r"药费", r"喝药治", r"吃药", r"自杀式(?:开采|管理)", r"跳楼价",
                 r"(?:防止|预防|谨防)(?:职工)?(?:自杀|轻生)"]},
    {"code": "violence", "kind": "risk", "flag": "extreme", "level": "high", "label": "暴力威胁言论",
     "patterns": [r"同归于尽", r"杀了(?:他|你|他们|你们)", r"砍(?:了|死)", r"弄死", r"捅(?:死|了)", r"放火", r"烧了(?:他|你|办公)",
                  r"炸了(?:他|你|办公|矿)", r"报复社会", r"拼(?:了)?命", r"鱼死网破", r"见血", r"出人命.{0,4}负责", r"动刀"],
     "exclude": [r"炸药", r"爆破", r"放炮", r"拼命(?:干活|工作|生产|加班)", r"防火", r"火灾隐患"]},
    {"code": "block_traffic", "kind": "risk", "flag": "extreme", "level": "high", "label": "堵路、卧轨、拦车等",
     "patterns": [r"堵(?:路|公路|高速|国道|铁路|大门|厂门|矿门|井口|门)", r"卧轨", r"拦(?:火车|车|运煤车)", r"围堵", r"封(?:路|门)",
                  r"堵(?:住|死)(?:路|门|大门)"],
     "exclude": [r"堵漏", r"堵水", r"封堵", r"堵塞", r"堵车", r"封门(?:密闭|墙)"]},
    {"code": "mass_gathering", "kind": "risk", "flag": "extreme", "level": "high", "label": "聚集、静坐、拉横幅",
     "patterns": [r"聚集", r"集体静坐", r"静坐", r"拉横幅", r"打横幅", r"示威", r"游行", r"围攻", r"冲击(?:办公|机关|矿部|会场)", r"闹事", r"闹大",
                  r"(?:集体)?围(?:住|堵)(?:矿部|办公楼|机关)"],
     "exclude": [r"聚集区", r"瓦斯聚集", r"粉尘聚集", r"积水聚集", r"聚集(?:的)?瓦斯"]},
    # --- medium: collective, skip-level, hazards -------------------------------------------
    {"code": "collective_words", "kind": "risk", "flag": "collective", "level": "medium", "label": "集体信访（联名或多人）",
     "patterns": [r"联名", r"(?:几十|数十|上百|几百|好几十|一百多|成百)(?:个|名|位|多)?" + _PEOPLE,
                  r"(?:全体|全队|全矿|全区|整个队)(?:职工|工友|工人|人员)", r"(?:我们|大家)一起(?:去|到|上|来)"]},
    {"code": "collective_number", "kind": "risk", "flag": "collective", "level": "medium",
     "label": "集体信访（5人以上）", "min_number": 5, "negatable": False,
     "patterns": [r"(?:我们|共|一共|共有|总共|有)(?P<n>\d{1,4})(?:多)?(?:个|名|位)?" + _PEOPLE]},
    {"code": "beijing", "kind": "risk", "flag": "skip_level", "level": "medium", "label": "扬言进京上访",
     "patterns": [r"进京", _GO + r"北京", r"赴京", r"国家信访局", r"中南海", r"天安门", r"中纪委", r"中央巡视组"],
     "exclude": [r"(?:进京|北京|赴京)(?:参加|参观|学习|培训|开会|出差|看病|治病|就医|旅游|比赛|复查|考试)",
                 r"(?:培训|学习|出差|开会|看病|治病)[^,。]{0,6}北京", r"北京(?:时间|路|街|大学|医院|的专家)"]},
    {"code": "province", "kind": "risk", "flag": "skip_level", "level": "medium", "label": "扬言赴省或越级上访",
     "patterns": [r"赴省", _GO + r"省(?:里|城|委|政府|信访局|国资委)", r"越级", r"到上面去告", r"告到(?:省|中央|北京)",
                  r"(?:找|上)(?:媒体|电视台|记者)曝光", r"发(?:到)?(?:网上|抖音|微博)"],
     "exclude": [r"(?:赴省|省城|省里)(?:参加|参观|学习|培训|开会|出差|看病|治病|就医|比赛|复查|考试)",
                 r"(?:培训|学习|出差|开会|看病|治病)[^,。]{0,6}省(?:里|城)"]},
    {"code": "hazard_now", "kind": "risk", "flag": "safety_hazard", "level": "medium", "label": "危及生命的现实隐患",
     "patterns": [r"瓦斯(?:浓度)?(?:超限|超标|报警)", r"随时(?:可能|会|要)(?:冒顶|透水|塌|死人|出事|爆炸)", r"冒顶", r"透水(?:征兆|迹象)?",
                  r"(?:要|会)出人命", r"带病运行", r"强令.{0,6}(?:冒险|下井|作业)", r"逼(?:着)?(?:我们)?(?:冒险|下井)",
                  r"顶板(?:来压|破碎|掉渣)", r"(?:传感器|探头)(?:被)?(?:遮挡|包住|拆了|失灵)", r"片帮", r"无风作业", r"停风.{0,4}(?:作业|生产)"],
     "exclude": [r"(?:已经|已)(?:整改|处理好|排除)", r"防(?:冒顶|透水)", r"冒顶(?:事故)?(?:演练|培训)"]},
    # --- litigation and arbitration (guided to the statutory channel) -----------------------
    {"code": "litigation", "kind": "litigation", "flag": "litigation", "level": "low", "label": "已进入诉讼程序",
     "patterns": [r"(?:已|已经|现已|目前|正在)(?:向.{0,10}法院)?(?:起诉|提起诉讼|提起上诉|上诉)", r"法院(?:已经|已)?(?:立案|受理|开庭|判决)",
                  r"(?:一审|二审|再审)(?:判决|已经|正在|中)", r"(?:打官司|诉讼)(?:中|正在进行|还没判)", r"案件(?:正在)?审理中", r"(?:民事)?判决书"],
     "exclude": [r"(?:准备|打算|考虑|想|要)(?:去)?(?:起诉|打官司)"]},
    {"code": "arbitration", "kind": "litigation", "flag": "litigation", "level": "low", "label": "已申请劳动人事争议仲裁",
     "patterns": [r"(?:已|已经|现已|正在)(?:申请|提起|提交)(?:了)?(?:劳动)?(?:人事争议)?仲裁", r"仲裁委(?:员会)?(?:已经|已)?(?:受理|立案|开庭|裁决)",
                  r"仲裁(?:中|正在进行|还没(?:有)?裁决|裁决书)", r"劳动仲裁(?:已|已经)?(?:受理|立案)"],
     "exclude": [r"(?:准备|打算|考虑|想|要)(?:去)?(?:申请)?(?:劳动)?仲裁"]},
    {"code": "admin_review", "kind": "litigation", "flag": "litigation", "level": "low", "label": "已申请行政复议",
     "patterns": [r"(?:已|已经|正在)(?:申请|提起)(?:了)?行政复议", r"行政复议(?:已|已经)?(?:受理|中|决定书)"],
     "exclude": [r"(?:准备|打算|考虑|想|要)(?:申请)?行政复议"]},
    # --- identity-sensitive: a named superior or cadre is accused -------------------------
    {"code": "cadre_accused", "kind": "identity", "flag": "identity_sensitive", "level": "low",
     "label": "检举控告具名领导干部", "negatable": False,
     "patterns": [r"(?:矿长|书记|队长|区长|科长|主任|经理|部长|董事长|总经理|工会主席|班长|段长|厂长|所长|主管)"
                  r"[^,。!?]{0,24}(?:贪污|受贿|索贿|收钱|收受|吃拿卡要|克扣|截留|挪用|私分|虚报|冒领|吃空饷|打击报复|优亲厚友|"
                  r"以权谋私|违规|包庇|威胁|殴打|骚扰|侵吞|套取|送礼|红包|回扣)",
                  r"(?:检举|举报|控告|揭发)[^,。!?]{0,12}(?:矿长|书记|队长|区长|科长|主任|经理|部长|董事长|总经理|工会主席|班长|段长|厂长)"]},
]

CADRE_TITLES: tuple[str, ...] = (
    "矿长", "书记", "队长", "区长", "科长", "主任", "经理", "部长", "董事长", "总经理", "工会主席", "班长", "段长", "厂长",
    "所长", "主管", "总工",
)
