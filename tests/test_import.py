import subprocess
import sys


def test_import_is_light_and_side_effect_free():
    code = (
        "import sys, hemasim;"
        "heavy = [m for m in ('numba', 'scipy', 'pandas', 'matplotlib', 'yaml', 'typer') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import hemasim pulled in heavy modules: {out.stdout}"
    assert out.stderr == ""


def test_lazy_public_names_resolve():
    import hemasim

    assert hemasim.Scenario.__name__ == "Scenario"
    assert callable(hemasim.run_scenario)
    assert "Simulation" in dir(hemasim)
