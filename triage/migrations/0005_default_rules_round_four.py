"""The default screening rules' fourth round (a lexicon of poisons and weapons, self-harm idioms
such as 了断 and 一命换一命, digging up or locking roads and gates, petitions to a government gate,
collective leave): a rule still exactly as 0004 left it takes the new defaults; a rule an
administrator edited is left as it is."""

import json

from django.db import migrations

# The third-round defaults of the rules that changed (as 0004 wrote them).
PREVIOUS = json.loads(r"""{
 "self_harm": {
  "patterns": [
   "跳楼",
   "跳河",
   "跳井",
   "喝(?:农)?药",
   "农药",
   "自杀",
   "寻死",
   "轻生",
   "不想活",
   "活不下去",
   "死给.{0,4}看",
   "一死了之",
   "自焚",
   "割腕",
   "上吊",
   "以死相逼",
   "死在.{0,6}(?:门口|办公室|矿上|里面|屋里|家里)",
   "(?:楼|楼顶|楼上|天台|井架|井塔|桥上|烟囱|塔吊|窗台|窗户)[^,。!?]{0,6}跳(?:下去|下来|了)",
   "遗书",
   "(?:我|俺|他|她)?也?不活了",
   "(?:不如|还不如)死了",
   "死了算了",
   "以死(?:明志|抗争|谢罪)",
   "(?:撞|吊|饿)死在",
   "活着(?:还)?有(?:啥|什么)意思",
   "浇汽油"
  ],
  "exclude": [
   "跳闸",
   "跳槽",
   "农药厂",
   "药费",
   "喝药治",
   "吃药",
   "自杀式(?:开采|管理)",
   "跳楼价",
   "(?:防止|预防|谨防)(?:职工)?(?:自杀|轻生)",
   "跳楼逃生",
   "(?:累|热|冷|咸|疼|忙|吵)(?:得|的)?要死"
  ]
 },
 "violence": {
  "patterns": [
   "同归于尽",
   "杀了(?:他|你|他们|你们)",
   "砍(?:了|死)",
   "弄死",
   "捅(?:死|了)",
   "放火",
   "烧了(?:他|你|办公)",
   "炸了(?:他|你|办公|矿)",
   "报复社会",
   "拼(?:了)?命",
   "鱼死网破",
   "见血",
   "出(?:了)?人命.{0,4}负责",
   "动刀",
   "拼了(?:我)?(?:这条|这把)?(?:老)?命",
   "煤气罐",
   "带(?:着)?(?:汽油|刀|斧头|铁锹|棍子)",
   "把[^,。!?]{0,8}(?:砸了|烧了|点了|拆了)",
   "捅(?:他|你)",
   "一把火"
  ],
  "exclude": [
   "炸药",
   "爆破",
   "放炮",
   "拼命(?:干活|工作|生产|加班|地)",
   "(?:干活|工作|干得|都很|很|太)拼命",
   "防火",
   "火灾隐患",
   "煤气罐(?:检查|安全|泄漏|老化|更换|没有|不合格)"
  ]
 },
 "block_traffic": {
  "patterns": [
   "堵(?:路|公路|高速|国道|铁路|大门|厂门|矿门|井口|门)",
   "卧轨",
   "拦(?:火车|车|运煤车)",
   "围堵",
   "封(?:路|门)",
   "堵(?:住|死)(?:路|门|大门)",
   "(?:挡|堵|拦|封)(?:死|住|上)?[^,。!?]{0,3}(?:路|公路|运煤车|拉煤车|火车)",
   "把[^,。!?]{0,10}(?:堵住|堵上|堵死|挡死|封死|围起来|围住)",
   "设卡",
   "拦截",
   "(?:躺|坐|睡)(?:在|到)(?:铁道|铁路|铁轨|专用线|公路|路)",
   "(?:不让|别想)[^,。!?]{0,6}(?:车|火车)[^,。!?]{0,3}(?:走|过|出)"
  ],
  "exclude": [
   "堵漏",
   "堵水",
   "封堵",
   "堵塞",
   "堵车",
   "封门(?:密闭|墙)",
   "拦截(?:器|装置|网)",
   "(?:道路|公路|路面)(?:压坏|塌|破)",
   "修路",
   "路(?:灯|面|口设)"
  ]
 },
 "mass_gathering": {
  "patterns": [
   "聚集",
   "集体静坐",
   "静坐",
   "拉横幅",
   "打横幅",
   "示威",
   "游行",
   "围攻",
   "冲击(?:办公|机关|矿部|会场)",
   "闹事",
   "闹大",
   "(?:集体)?围(?:住|堵)(?:矿部|办公楼|机关)",
   "横幅",
   "罢工",
   "(?:集体|全体|一起|都)(?:不出工|不下井|停工|怠工)",
   "(?:门口|楼里|楼前|楼下|广场|会场)[^,。!?]{0,4}(?:坐着|坐下|坐|集合|围着|等着|守着)",
   "(?:不给说法|不解决|不给钱)不走",
   "坐到(?:解决|给说法|给钱)",
   "(?:全体|全队|集体|一起|大家)[^,。!?]{0,10}(?:讨薪|讨说法|讨个说法|要说法)",
   "上访团"
  ],
  "exclude": [
   "聚集区",
   "瓦斯聚集",
   "粉尘聚集",
   "积水聚集",
   "聚集(?:的)?瓦斯",
   "(?:宣传|标语)横幅",
   "横幅(?:标语|宣传)"
  ]
 },
 "collective_words": {
  "patterns": [
   "联名",
   "(?:几十|数十|上百|几百|好几十|一百多|成百)(?:个|名|位|多|号)?[^\\d,。!?;]{0,4}?(?:工友|职工|矿工|工人|人|户|家|名|位|个人|老工人|退休职工|村民|兄弟|号人|病人|老人)",
   "(?:全体|全队|全矿|全区|全村|整个队|整个矿|整个村)(?:的)?(?:职工|工友|工人|人员|人|村民)",
   "(?:我们|大家)一起(?:去|到|上|来)"
  ],
  "exclude": []
 }
}""")


def update_rules(apps, schema_editor):
    from tongxin.lib.zhtext.default_rules import DEFAULT_RULES

    RiskRule = apps.get_model("triage", "RiskRule")
    for data in DEFAULT_RULES:
        before = PREVIOUS.get(data["code"])
        if before is None:
            continue
        row = RiskRule.objects.filter(code=data["code"]).first()
        if row is None or list(row.patterns or []) != before["patterns"] or list(row.exclude or []) != before["exclude"]:
            continue
        row.patterns, row.exclude = data["patterns"], data.get("exclude", [])
        row.save(update_fields=["patterns", "exclude", "updated_at"])


class Migration(migrations.Migration):
    dependencies = [("triage", "0004_default_rules_round_three")]
    operations = [migrations.RunPython(update_rules, migrations.RunPython.noop)]
