# Front door. `make` builds build/tenken; `make run` and `make test` also install the
# Debian packages they need (scripts/install-deps, idempotent).
#   make test SANITIZE=1   the same tests under ASan+UBSan, in build-san/
#   make fuzz              builds the libFuzzer harnesses with clang (build-fuzz/)
#   make windows           cross-builds tenken.exe with mingw-w64 (build-win/src/tenken.exe)

SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD ?= build-san
SETUP_OPTS = -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
else
BUILD ?= build
SETUP_OPTS =
endif

.PHONY: all deps run test man fuzz format clean bench-surface windows

all: $(BUILD)/build.ninja
	@ninja -C $(BUILD) >/dev/null || ninja -C $(BUILD)
	@ln -sf src/tenken $(BUILD)/tenken

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(SETUP_OPTS) >/dev/null

# tenken.exe: the collector (scan, upload, help, version) for Windows, one static file.
windows: build-win/build.ninja
	@ninja -C build-win >/dev/null || ninja -C build-win
	@echo build-win/src/tenken.exe

build-win/build.ninja:
	meson setup build-win --cross-file cross/mingw64.ini >/dev/null

deps:
	@scripts/install-deps

run: deps all
	$(BUILD)/tenken scan

test: deps all
	@scripts/run-tests $(BUILD)

man: all
	$(BUILD)/tenken help --man > docs/man/tenken.1

fuzz:
	@scripts/fuzz build

# Benchmarks: figures side by side with a peer (bench/*/run); never part of `make test`.
#   make bench-surface [SIZE=256M]   surface identify against jq over a generated zgrab2 scan
bench-surface: all
	@BUILD=$(BUILD) bench/surface/run $(SIZE)

format:
	@scripts/format

clean:
	rm -rf build build-san build-fuzz build-win
