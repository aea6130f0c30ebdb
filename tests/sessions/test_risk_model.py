"""The trained model and its corpus: the shipped artefact is what a fresh training run on
the corpus writes; it loads and scores deterministically; the corpus loader reads extra
files dropped in its folder (labelled exports) and refuses bad rows clearly; the split
rule is fixed."""

import json

import pytest

from sessions.risk import Level
from sessions.risk.corpus import CORPUS_DIR, is_test, load, read_file, split
from sessions.risk.model import MODEL_PATH, loaded, model_from_dict, score
from sessions.risk.train import train


def test_the_shipped_model_is_what_training_on_the_corpus_writes():
    # given the corpus in the repository
    rows = load()
    # when trained afresh
    artefact = train(rows)
    # then it is the shipped file, n-gram for n-gram
    shipped = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert artefact["thresholds"] == shipped["thresholds"]
    assert artefact["bias"] == shipped["bias"]
    assert artefact["weights"] == shipped["weights"]


def test_the_model_loads_once_and_scores_deterministically():
    # given
    model = loaded()
    assert model is loaded()
    # when
    first = score("我吞了一整瓶安眠药")
    second = score("我吞了一整瓶安眠药")
    # then
    assert first == second
    assert first[1] > score("今天天气真好，我们去公园吧")[1]
    assert 0.0 <= first[0] <= 1.0
    assert set(model.thresholds) == {"concern", "high", "concern_silent", "high_silent"}


def test_a_model_from_a_dict_scores_by_its_weights():
    # given a tiny hand-made model
    model = model_from_dict(
        {
            "weights": {"药": [0.0, 10.0]},
            "bias": [0.0, -2.0],
            "thresholds": {"concern": 0.6, "high": 0.6, "concern_silent": 0.8, "high_silent": 0.8},
        }
    )
    # when
    _, high = score("药", model=model)
    _, other = score("猫", model=model)
    # then
    assert high > 0.5 > other


def test_the_split_rule_is_fixed_and_about_a_fifth():
    # given
    rows = load()
    training, test = split(rows)
    # then
    assert len(training) + len(test) == len(rows)
    assert {row.text for row in training}.isdisjoint({row.text for row in test})
    # the hash rule takes about a fifth of the texts it is given: the hand-written files are
    # split by it alone (the generated part keeps its variants of hand-written examples in
    # the training part only, so its share of the test part is lower by design)
    hand = [row for row in rows if row.source != "generated"]
    assert 0.17 < sum(is_test(row.text) for row in hand) / len(hand) < 0.23
    assert 0.14 < len(test) / len(rows) < 0.23
    assert is_test("我想死") == is_test(" 我想死 ")  # decided on the stripped text


def test_the_corpus_has_thousands_of_messages_in_both_languages_and_every_level():
    rows = load()
    assert len(rows) > 5000
    for lang in ("zh", "en"):
        levels = {row.level for row in rows if row.lang == lang}
        assert levels == set(Level)
    hand = [row for row in rows if row.source != "generated"]
    assert len(hand) > 500


def test_extra_files_in_the_corpus_folder_are_read(tmp_path):
    # given a labelled export next to a tsv file
    (tmp_path / "a.tsv").write_text("# comment\nhigh\tintent\t我想死\n", encoding="utf-8")
    export = {"text": "我在天台边上", "level": "imminent", "signals": ["place"], "lang": "zh"}
    (tmp_path / "staff-2026-12.jsonl").write_text(
        json.dumps(export, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    # when
    rows = load(tmp_path)
    # then
    assert [(row.text, row.level, sorted(row.signals), row.source) for row in rows] == [
        ("我想死", Level.HIGH, ["intent"], "a"),
        ("我在天台边上", Level.IMMINENT, ["place"], "staff-2026-12"),
    ]


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ('{"text": "x", "level": "severe"}', "unknown level 'severe'"),
        ('{"text": "x", "level": "high", "signals": ["sadness"]}', "unknown signals ['sadness']"),
        ('{"level": "high"}', "'text'"),
    ],
)
def test_a_bad_row_is_refused_with_its_file_and_line(tmp_path, line, error):
    # given
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    # then
    with pytest.raises(ValueError, match=r"bad\.jsonl:1") as raised:
        read_file(path)
    assert error in str(raised.value)


def test_the_shipped_corpus_files_all_parse():
    for path in sorted(CORPUS_DIR.iterdir()):
        if path.suffix in (".jsonl", ".tsv"):
            assert read_file(path), path.name
