"""Where a run's library versions come from: setup.py / setup.cfg pins, read without running them."""

from __future__ import annotations

from pathlib import Path

from peft_lint.inputs.versions import forget_folders, pins_near


def test_setup_py_deps_table_pins(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text(
        '_deps = ["transformers==4.52.3", "trl[vllm]==0.18.0", "peft>=0.14.0"]\n'
        'extras = {"dev": ["trl>=0.20"]}\n'
        'setup(name="recipes", install_requires=[_deps[0]], extras_require=extras)\n', encoding="utf-8")
    forget_folders()
    pins = pins_near([tmp_path])
    assert pins["transformers"].version == "4.52.3" and pins["transformers"].source.startswith("pin:")
    assert pins["trl"].version == "0.18.0"  # the first requirement of a package counts, not the extra's
    assert pins["peft"].source.startswith("range:")


def test_setup_cfg_install_requires(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text(
        "[metadata]\nname = recipes\n\n[options]\ninstall_requires =\n    transformers==4.46.3\n"
        "    datasets\n\n[options.extras_require]\nrl =\n    trl==0.12.2\n", encoding="utf-8")
    forget_folders()
    pins = pins_near([tmp_path])
    assert pins["transformers"].version == "4.46.3" and pins["trl"].version == "0.12.2"


def test_requirements_file_wins_over_setup_py(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("transformers==4.57.6\n", encoding="utf-8")
    (tmp_path / "setup.py").write_text('setup(install_requires=["transformers==4.44.2"])\n', encoding="utf-8")
    forget_folders()
    assert pins_near([tmp_path])["transformers"].version == "4.57.6"


def test_unparsable_setup_py_pins_nothing(tmp_path: Path) -> None:
    (tmp_path / "setup.py").write_text("setup(install_requires=[\n", encoding="utf-8")
    forget_folders()
    assert "transformers" not in pins_near([tmp_path])


def test_requirement_lines_as_pip_reads_them(tmp_path: Path) -> None:
    """PEP 440/508 through `packaging`: compatible-release and wildcard pins, ===, extras,
    markers that do not apply to a Linux training machine, `-r` includes."""
    (tmp_path / "base.txt").write_text(
        "accelerate~=1.10.0  # compatible release: the newest known 1.10.x\n"
        "bitsandbytes==0.4*; platform_system == 'Windows'\n"
        "torch==2.5.1; sys_platform == 'darwin'\n"
        "torch==2.6.0; sys_platform == 'linux'\n", encoding="utf-8")
    (tmp_path / "requirements.txt").write_text(
        "-r base.txt\n"
        "--extra-index-url https://download.pytorch.org/whl/cu121\n"
        "Transformers[torch] == 4.57.*\n"
        "peft===0.17.1 ; python_version >= '3.8'\n"
        "trl[vllm]>=0.20,<0.22\n", encoding="utf-8")
    forget_folders()
    pins = pins_near([tmp_path])
    assert pins["accelerate"].version == "1.10.1" and pins["accelerate"].source.startswith("range:")
    assert "bitsandbytes" not in pins  # its marker does not hold on the run's machine
    assert pins["torch"].version == "2.6.0"  # the darwin line installs nothing there
    assert pins["transformers"].version == "4.57.6"
    assert pins["transformers"].source.endswith("requirements.txt:==4.57.*")
    assert pins["peft"].version == "0.17.1" and pins["peft"].source.startswith("pin:")
    assert pins["trl"].version == "0.21.0" and pins["trl"].source.endswith("requirements.txt:>=0.20,<0.22")


def test_requirement_includes_are_read_once(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("-r b.txt\ntransformers==4.57.6\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("-r a.txt\npeft==0.17.1\n", encoding="utf-8")
    (tmp_path / "requirements.txt").write_text("--requirement=a.txt\n", encoding="utf-8")
    forget_folders()
    pins = pins_near([tmp_path])
    assert pins["transformers"].version == "4.57.6" and pins["peft"].version == "0.17.1"
