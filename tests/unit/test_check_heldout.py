"""`make validate` refuses a training example that repeats an evaluation message."""

from pathlib import Path

from tools.check_heldout import main


def _project(tmp_path: Path, example: str, held_out: str) -> Path:
    (tmp_path / "nlu_data").mkdir()
    (tmp_path / "nlu_data" / "faq.yml").write_text(
        'version: "3.1"\nnlu:\n  - intent: faq/a\n    examples: |\n'
        f"      - {example}\n      - một câu khác hẳn\n",
        encoding="utf-8",
    )
    (tmp_path / "tests" / "dev_set").mkdir(parents=True)
    (tmp_path / "tests" / "dev_set" / "a.yml").write_text(
        f'messages:\n  - text: "{held_out}"\n', encoding="utf-8"
    )
    return tmp_path


def test_the_same_question_without_diacritics_is_refused(tmp_path, capsys):
    root = _project(
        tmp_path,
        "giay kham suc khoe lai xe co gia tri bao lau",
        "Giấy khám sức khỏe lái xe có giá trị bao lâu?",
    )
    assert main(root) == 1
    assert "giay kham suc khoe" in capsys.readouterr().out


def test_a_copy_with_a_word_changed_is_refused(tmp_path):
    root = _project(
        tmp_path,
        "có người báo con tôi bị tai nạn cần chuyển tiền gấp",
        "có người gọi báo con tôi bị tai nạn cần chuyển tiền mổ gấp",
    )
    assert main(root) == 1


def test_a_short_formula_everybody_writes_passes(tmp_path):
    assert main(_project(tmp_path, "xin chào", "Xin chào!")) == 0


def test_another_question_on_the_same_subject_passes(tmp_path):
    root = _project(
        tmp_path,
        "quên mật khẩu vneid thì lấy lại thế nào",
        "đổi số điện thoại đăng ký vneid thế nào",
    )
    assert main(root) == 0


def test_an_answers_own_question_that_repeats_a_held_out_message_is_refused(
    tmp_path, capsys
):
    root = _project(
        tmp_path, "một câu khác nữa", "Mất bằng lái xe thì có phải thi lại không?"
    )
    (root / "seeds" / "knowledge").mkdir(parents=True)
    (root / "seeds" / "knowledge" / "a.yml").write_text(
        "entries:\n  - id: licence_lost\n"
        "    question: Mất bằng lái xe thì có phải thi lại không?\n",
        encoding="utf-8",
    )
    assert main(root) == 1
    assert "licence_lost" in capsys.readouterr().out
