from __future__ import annotations

import builtins

import pytest

from digest import languages
from digest.languages import language_tag


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("The council voted on Tuesday to rebuild the old footbridge over the river.", "en"),
        ("Der Gemeinderat hat am Dienstag beschlossen, die alte Brücke über den Fluss neu zu bauen.", "de"),
        # French and Italian share "la", "de", "a": the model, not the stop words, tells them apart.
        ("Le conseil municipal a voté mardi la reconstruction de la passerelle sur la rivière.", "fr"),
        ("El ayuntamiento votó el martes reconstruir la pasarela sobre el río.", "es"),
        ("Городской совет во вторник проголосовал за восстановление старого моста.", "ru"),
        ("Міська рада у вівторок проголосувала за відновлення старого пішохідного мосту.", "uk"),
        ("市議会は火曜日、川に架かる古い歩道橋を再建することを決めた。", "ja"),
        ("הכנסת אישרה את התקציב ברוב קטן.", "he"),
    ],
)
def test_the_language_of_a_text(text, tag):
    assert language_tag(text) == tag


def test_a_text_that_says_nothing_takes_the_default():
    assert language_tag("") == "en"
    assert language_tag("3.0 — 12:45 · 2026") == "en"
    assert language_tag("", default="german") == "de"
    assert language_tag("The council voted on Tuesday to rebuild the bridge.", default="german") == "en"


def test_without_the_model_a_text_in_another_script_carries_no_tag(monkeypatch, caplog):
    real_import = builtins.__import__

    def no_model(name, *args, **kwargs):
        if name == "py3langid":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    languages._classifier.cache_clear()
    monkeypatch.setattr(builtins, "__import__", no_model)
    try:
        assert language_tag("Городской совет во вторник проголосовал за восстановление моста.") == "en"
        assert "py3langid is not installed" in caplog.text
    finally:
        languages._classifier.cache_clear()
