# hemasim: `make demo` and `make test` set everything up from a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# the demo needs only the package; tests, linters and benchmarks add the test extras (dask, libRoadRunner, ...)
BASE_STAMP := $(VENV)/.installed-base
DOCS_STAMP := $(VENV)/.installed-docs
WARM_STAMP := $(VENV)/.kernels-warm
SIDE_WARM_STAMP := $(VENV)/.side-kernels-warm
OUT    ?= out/healthy_adult
# the installer: uv (`make INSTALLER=pip ...` for pip alone). uv resolves, downloads and installs the ~140 packages
# of the test extras in parallel and does not byte-compile them: ~15 s CPU against pip's ~80 s, most of a clean
# clone's install time (docs/performance.md, the test suite). It is pip-installed into the venv from the
# interpreter's own pip (the venv itself is made without pip: ensurepip alone costs seconds); where that or uv
# fails (no PyPI, an index only pip is configured for), pip does the install as before. uv writes no bytecode unless
# told (pip does): without it every process compiles numpy, pydantic, typer... again where PYTHONDONTWRITEBYTECODE is
# set, and a fresh `hemasim run` took 0.6 s instead of 0.32 s. So the package alone (`make demo`, `make docs`) is
# installed with --compile-bytecode; the test extras are not: compiling all ~11,400 modules of the ~140 packages
# held up the warm-up (install 30 s against 5 s, clean clone at load 4-5), where `make test` imports ~3,800 of them
# and lets its processes write each as they first import it (PYTHONDONTWRITEBYTECODE emptied for `test`, `test-fast`
# and what they build). The CPU came out the same (processes started together compile the modules they share), the
# run 19 s shorter (docs/performance.md, the test suite, fifth round)
INSTALLER ?= uv
# pytest-xdist processes for `make test` and `make test-fast` (0: in this process, as plain pytest)
TEST_WORKERS ?= 2
XDIST := $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist worksteal)

# uv first installs from its cache alone (--offline), where that has every package the resolution needs, and goes to
# the index only where it does not (a first install, a new requirement: the offline try fails in ~0.1 s, installing
# nothing). Online, uv asks the index again about each of the ~140 packages whose cached listing is older than the
# index's cache headers allow: a clean clone's install took 4.1-5.9 s wall, ~3 s CPU, against 2.0 s, 1.4 s CPU,
# the same 139 packages at the same versions (docs/performance.md, the suite, testspeed28). What this gives up: a
# release published since the cache last fetched a package's listing is installed only once something else sends uv
# online (`make INSTALL_OFFLINE_FIRST= test`, or `uv cache clean`)
INSTALL_OFFLINE_FIRST ?= 1
# $(1): what to install; $(2): uv's further options (--compile-bytecode)
define install
	test -x $(BIN)/python || $(PYTHON) -m venv --without-pip $(VENV)
	{ [ "$(INSTALLER)" = uv ] && \
	  { test -x $(BIN)/uv || $(PYTHON) -m pip --python $(BIN)/python install --quiet uv; } && \
	  { { [ -n "$(INSTALL_OFFLINE_FIRST)" ] && \
	      $(BIN)/uv pip install --quiet --offline $(2) --python $(BIN)/python pip $(1) 2>/dev/null; } || \
	    $(BIN)/uv pip install --quiet $(2) --python $(BIN)/python pip $(1); }; } || \
	{ $(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --upgrade; \
	  $(BIN)/python -m pip install --quiet --upgrade pip && $(BIN)/python -m pip install --quiet $(1); }
endef

.PHONY: demo test suite test-fast lint bench validate warm docs clean help browser

help:
	@echo "make demo      create .venv, install hemasim, run examples/healthy_adult.yaml, write its report"
	@echo "make test      run the test suite (installs first if needed)"
	@echo "make test-fast run the suite without the tests marked slow (under a minute)"
	@echo "make lint      ruff and mypy on the sources (part of make test)"
	@echo "make bench     print benchmark timings as tables, then the speed goals with OK/NOT (docs/performance.md)"
	@echo "make validate  print the validation report card"
	@echo "make warm      compile the numba kernels into their cache (done once at install)"
	@echo "make docs      build the documentation site into site/ (executes the tutorials; installs the docs extra)"

$(BASE_STAMP): pyproject.toml
	$(call install,-e .,--compile-bytecode)
	$(BIN)/python -m hemasim.solvers.warm  # compile the numba kernels into their cache now, not on a first run
	@touch $(BASE_STAMP)

# the package with its test extras in one install run (one resolve, one editable build), not after the base install
$(STAMP): pyproject.toml
	$(call install,-e ".[test]")
	@touch $(STAMP)

# the kernels compiled before the suite runs, in two processes (hemasim.solvers.warm's steps): this one the cohort
# kernels, which share their helpers and are built one after the other; a target of its own so that `make -j2 test`
# (.ci/run) builds them on one core while the second process and then ruff and mypy run on the other
# the kernels' sources (hemasim.solvers._aot.KERNEL_SOURCES, the clone engine's kernels, the solver package): a
# checkout that pulls a kernel change warms again (numba recompiles only what is stale, ~0.1 s a step otherwise), so a
# developer's venv does not fall back to the JIT kernels with an outdated ahead-of-time module
KERNEL_SOURCES := $(wildcard src/hemasim/solvers/*.py) src/hemasim/clonal/_kernels.py src/hemasim/model/laws.py \
	src/hemasim/model/core.py
COHORT_WARM_STEPS := cohort cohort-states imex-cohort dense-newton bytecode
$(WARM_STAMP): $(STAMP) $(KERNEL_SOURCES)
	$(BIN)/python -m hemasim.solvers.warm $(COHORT_WARM_STEPS)
	@touch $(WARM_STAMP)

# the second process: the one-patient kernels (Dormand-Prince, IMEX, the dense Newton), the clone-engine kernels and
# the ahead-of-time one-patient module, which share little with the cohort kernels; ruff and mypy follow it on its
# core. Measured from an empty cache (CPU s, loaded 2-core machine, branch testspeed2): one process built the
# cohort kernels and the one-patient ones in 97 s beside clonal 17 + ahead-of-time ~10 + mypy 16; now 80 (cohort 42,
# IMEX cohort 38) beside one patient 5 + IMEX one patient 14 + clonal 17 + ahead-of-time ~10 + dense Newton (which
# one test used to compile, ~15 s of the suite) + mypy 16. The cohort kernels are not split further: built apart,
# the IMEX cohort kernel compiles the shared helpers again (72 s alone against 38 after the other). Rebalanced after
# branch solvers cut the IMEX cohort kernel to ~6 s (clean clone, idle: cohort 24.6 + IMEX cohort 6.1 s beside
# clonal 13.6 + one patient 2.5 + IMEX one patient 4.5 + dense Newton 6.3 + ahead-of-time 9.7, then ruff and mypy
# ~16 s after the cohort process): the IMEX one-patient and dense-Newton steps moved to the cohort process, so the
# side process ends first and lint follows it. Since lint no longer holds the suite back (`test` below), the IMEX
# one-patient step is back here (branch testspeed5): cohort 24.6 + IMEX cohort 6.1 + dense Newton 6.3 s beside one
# patient 2.5 + IMEX one patient 4.5 + clonal ~11 + ahead-of-time 9.7 (idle machine), then lint, which should end
# about when the cohort process does. Not the dense Newton as well: lint then ran 22 s beside the suite's first tests,
# and three processes on two cores cost more than the idle seconds saved (one pair of clean clones at load ~2:
# 351 s CPU, 3:05, against main's 335 s, 2:57; the documentation build beside mypy 41 s against 32)
# Branch testspeed6 cut the cohort process's steady-state compiles (74 -> 59 s CPU from empty caches at load 5-9,
# the side process 53 -> 52): in a clean clone at load ~9 the two processes ended 308 and 294 s into the run, so lint
# now runs beside the suite's first tests (docs/performance.md, the suite's eighth round)
# Both processes compile at numba's default optimisation, as `make demo` and the wheel do: NUMBA_OPT 1 or 2 compiled
# in the same CPU (72.9 s against 72.6 for the cohort process, load ~7), and 0 (-17%) leaves the lock-step and
# steady-state kernels uncacheable, so every test process would compile them again (docs/performance.md, the
# suite's eleventh round)
SIDE_WARM_STEPS := one-patient imex-one-patient clonal ahead-of-time
$(SIDE_WARM_STAMP): $(STAMP) $(KERNEL_SOURCES)
	$(BIN)/python -m hemasim.solvers.warm $(SIDE_WARM_STEPS)
	@touch $(SIDE_WARM_STAMP)

demo: $(BASE_STAMP)
	$(BIN)/hemasim run examples/healthy_adult.yaml --out $(OUT)
	@echo "report: $(abspath $(OUT))/report.html"
	@echo "next: .venv/bin/hemasim --help, docs/getting_started.md"

# the suite in $(TEST_WORKERS) pytest-xdist processes; tests/conftest.py puts the files of the longest tests (the
# documentation build, the validation hold tests) at the head of each process's share, and worksteal hands a process
# that runs out the tail of the other's queue, so the run ends on short tests. The 15 slowest tests are listed at the
# end (what a change that slows the suite shows up in; docs/performance.md, the test suite). Ruff and mypy run
# beside the suite, not before it: under `make -j2 test` (.ci/run) they take the core the side warm-up process
# leaves while the cohort process still compiles, and the suite starts once both warm-up processes are done instead
# of waiting for mypy too (a clean clone of main f69f2b0: mypy ended 5 s before the cohort kernels, one core idle,
# or the cohort kernels before mypy, the other). Without -j, the suite runs first and lint after it
test test-fast suite: export PYTHONDONTWRITEBYTECODE :=
# one OpenBLAS thread a process (unless set): the two test processes already hold both cores, and OpenBLAS's own
# threads, after each call large enough to share out, spin on the other core waiting for more (its default
# THREAD_TIMEOUT) - CPU taken from the other test process. Same tests, 47.5 against 56.9, 49.3 against 57.1 and
# 53.4 against 57.8 s CPU (fits, population, examples, cohort tails, validation, allMT, simulation), 41.8 against
# 43.4 (CLI, reports); numba's threads are its own (docs/performance.md, the suite's thirteenth round)
test test-fast suite: export OPENBLAS_NUM_THREADS ?= 1
test: suite lint
suite: $(WARM_STAMP) $(SIDE_WARM_STAMP) browser
	$(BIN)/python -m pytest -q $(XDIST) --durations=15

# the browser tests (report plots, explorer) drive the system Chromium through Playwright; install it from the
# distribution where we can (root with apt-get), else they skip and say why
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	{ [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { apt-get install -y -qq chromium >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1; }; }; } || \
	echo "Chromium not available: the browser tests will skip (apt-get install chromium)"

# mypy's cache folder (empty: its default, .mypy_cache, which makes a developer's next run incremental). .ci/run
# names /dev/null: a clean clone's cache is thrown away with it, and writing it cost 0.3-1.3 s CPU of mypy's ~15
# (interleaved pairs from an empty cache, load 3-4; docs/performance.md, the suite, twenty-fifth session)
MYPY_CACHE_DIR ?=
lint: $(STAMP)
	$(BIN)/ruff check src tests bench docs
	$(BIN)/mypy $(if $(MYPY_CACHE_DIR),--cache-dir $(MYPY_CACHE_DIR))

warm: $(BASE_STAMP)
	$(BIN)/python -m hemasim.solvers.warm

test-fast: $(WARM_STAMP)
	$(BIN)/python -m pytest -q -m "not slow" $(XDIST)

# goal 1 times fresh `hemasim run` processes as a user's machine runs them: with bytecode written (an environment that
# sets PYTHONDONTWRITEBYTECODE compiles every imported module again in each process: 0.78 against 0.39 s CPU a run,
# the test extras being installed without bytecode; twenty-sixth session)
bench: export PYTHONDONTWRITEBYTECODE :=
bench: $(STAMP)
	$(BIN)/python bench/run_benchmarks.py
	$(BIN)/python bench/bench_cohort.py
	$(BIN)/python bench/bench_clonal.py
	$(BIN)/python bench/bench_regimens.py
	$(BIN)/python bench/bench_fit.py
	$(BIN)/python bench/bench_population.py 5  # SAEM recovery of a 100-patient population, 5 repeats (docs/population_fitting.md)
	$(BIN)/python bench/bench_clonal_speed.py  # clonal engines vs their numpy step, interleaved (issue 20 goal 3); docs/performance_clonal.md
	$(BIN)/python bench/bench_goals.py  # the speed goals (issue 20) as one table, OK/NOT; docs/performance.md

$(DOCS_STAMP): $(BASE_STAMP)
	$(call install,-e ".[docs]",--compile-bytecode)
	@touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict
	@echo "site: $(abspath site)/index.html  (serve it: $(BIN)/python -m http.server --directory site 8000)"

validate: $(BASE_STAMP)
	$(BIN)/hemasim validate

clean:
	rm -rf $(VENV) out site .pytest_cache build *.egg-info src/*.egg-info
