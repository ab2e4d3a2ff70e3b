"""The unit picker: the tree by indentation from the shallowest unit offered, read in one query."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs.forms import PeopleFilterForm
from orgs.models import Unit


def test_options_indent_from_the_shallowest_unit_in_one_query(make_unit_tree):
    tree = make_unit_tree()
    # Two subtrees of different depth: the company's (depth 2) and a team's (depth 4).
    units = Unit.objects.subtrees_of([tree.company])
    form = PeopleFilterForm(units=units)
    with CaptureQueriesContext(connection) as queries:
        html = str(form["unit"])
    assert len(queries) == 1
    assert '>同心煤业公司</option>' in html
    assert '>\u3000东山煤矿</option>' in html
    assert '>\u3000\u3000综采一队</option>' in html
    assert html.index("全部单位") < html.index("同心煤业公司")


def test_a_valid_choice_is_accepted_and_one_outside_the_units_refused(make_unit_tree):
    tree = make_unit_tree()
    units = Unit.objects.subtrees_of([tree.mine])
    ok = PeopleFilterForm({"unit": tree.team.pk}, units=units)
    assert ok.is_valid(), ok.errors
    assert ok.cleaned_data["unit"] == tree.team
    outside = PeopleFilterForm({"unit": tree.other_mine.pk}, units=units)
    assert not outside.is_valid()
    assert "unit" in outside.errors


def test_setting_new_units_drops_the_old_list(make_unit_tree):
    tree = make_unit_tree()
    form = PeopleFilterForm(units=Unit.objects.subtrees_of([tree.mine]))
    assert "东山煤矿" in str(form["unit"])
    form.fields["unit"].set_units(Unit.objects.subtrees_of([tree.other_mine]))
    html = str(form["unit"])
    assert "西岭煤矿" in html and "东山煤矿" not in html
