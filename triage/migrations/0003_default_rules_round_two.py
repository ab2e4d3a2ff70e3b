"""The default screening rules of issue 5's second round (more wordings of self-harm, violence,
blocking, gatherings and counted groups; more false friends): a rule still exactly as shipped
(patterns and exclusions equal to the first defaults below) takes the new defaults; a rule an
administrator edited is left as it is."""

import json

from django.db import migrations

from triage.migrations._default_rules import take_new_defaults_where_unedited

# The first defaults of the rules that changed (from 0002 / default_rules.py before this change).
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
   "死在.{0,6}(?:门口|办公室|矿上)"
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
   "(?:防止|预防|谨防)(?:职工)?(?:自杀|轻生)"
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
   "动刀"
  ],
  "exclude": [
   "炸药",
   "爆破",
   "放炮",
   "拼命(?:干活|工作|生产|加班)",
   "防火",
   "火灾隐患"
  ]
 },
 "block_traffic": {
  "patterns": [
   "堵(?:路|公路|高速|国道|铁路|大门|厂门|矿门|井口|门)",
   "卧轨",
   "拦(?:火车|车|运煤车)",
   "围堵",
   "封(?:路|门)",
   "堵(?:住|死)(?:路|门|大门)"
  ],
  "exclude": [
   "堵漏",
   "堵水",
   "封堵",
   "堵塞",
   "堵车",
   "封门(?:密闭|墙)"
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
   "(?:集体)?围(?:住|堵)(?:矿部|办公楼|机关)"
  ],
  "exclude": [
   "聚集区",
   "瓦斯聚集",
   "粉尘聚集",
   "积水聚集",
   "聚集(?:的)?瓦斯"
  ]
 },
 "collective_words": {
  "patterns": [
   "联名",
   "(?:几十|数十|上百|几百|好几十|一百多|成百)(?:个|名|位|多)?(?:工友|职工|矿工|工人|人|户|家|名|位|个人|老工人|退休职工|村民|兄弟)",
   "(?:全体|全队|全矿|全区|整个队)(?:职工|工友|工人|人员)",
   "(?:我们|大家)一起(?:去|到|上|来)"
  ],
  "exclude": []
 },
 "collective_number": {
  "patterns": [
   "(?:我们|共|一共|共有|总共|有)(?P<n>\\d{1,4})(?:多)?(?:个|名|位)?(?:工友|职工|矿工|工人|人|户|家|名|位|个人|老工人|退休职工|村民|兄弟)"
  ],
  "exclude": []
 },
 "beijing": {
  "patterns": [
   "进京",
   "(?:去|到|上|进|赴|跑到|跑去|闹到)北京",
   "赴京",
   "国家信访局",
   "中南海",
   "天安门",
   "中纪委",
   "中央巡视组"
  ],
  "exclude": [
   "(?:进京|北京|赴京)(?:参加|参观|学习|培训|开会|出差|看病|治病|就医|旅游|比赛|复查|考试)",
   "(?:培训|学习|出差|开会|看病|治病)[^,。]{0,6}北京",
   "北京(?:时间|路|街|大学|医院|的专家)"
  ]
 }
}""")


def update_rules(apps, schema_editor):
    take_new_defaults_where_unedited(apps, PREVIOUS)


class Migration(migrations.Migration):
    dependencies = [("triage", "0002_search_index_and_rules")]
    operations = [migrations.RunPython(update_rules, migrations.RunPython.noop)]
