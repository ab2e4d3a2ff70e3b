"""The default screening rules' third round (a counted group with words between the number and
the people, 全村/整个队的人, 拼了这条命, 出了人命…负责, 死在里面): a rule still exactly as 0003 left
it takes the new defaults; a rule an administrator edited is left as it is."""

import json

from django.db import migrations

from triage.migrations._default_rules import take_new_defaults_where_unedited

# The second-round defaults of the rules that changed (as 0003 wrote them).
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
   "死在.{0,6}(?:门口|办公室|矿上)",
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
   "出人命.{0,4}负责",
   "动刀",
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
 "collective_words": {
  "patterns": [
   "联名",
   "(?:几十|数十|上百|几百|好几十|一百多|成百)(?:个|名|位|多|号)?(?:工友|职工|矿工|工人|人|户|家|名|位|个人|老工人|退休职工|村民|兄弟|号人|病人|老人)",
   "(?:全体|全队|全矿|全区|整个队)(?:职工|工友|工人|人员)",
   "(?:我们|大家)一起(?:去|到|上|来)"
  ],
  "exclude": []
 }
}""")


def update_rules(apps, schema_editor):
    take_new_defaults_where_unedited(apps, PREVIOUS)


class Migration(migrations.Migration):
    dependencies = [("triage", "0003_default_rules_round_two")]
    operations = [migrations.RunPython(update_rules, migrations.RunPython.noop)]
