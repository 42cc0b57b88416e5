# redrive — one non-recursive Makefile.
#
#   make            build ./redrive
#   make demo       install missing build dependencies, build, open the demo
#   make test       every test (unit, end-to-end, dashboard, provider), then the
#                   same again under AddressSanitizer + UBSan; ends with
#                   "N passed, N failed"
#   make asan       build the sanitizer binary only (build/asan/redrive)
#   make lint       clang-tidy, cppcheck, banned functions
#   make bench      benchmarks on a 5M-message store (slow; not part of test)
#   make install    PREFIX=/usr/local DESTDIR=
#
# V=1 shows the commands.

CC       ?= cc
PREFIX   ?= /usr/local
BUILD    ?= build
PKGS     := sqlite3 jansson libcurl ncursesw

ifeq ($(V),1)
Q :=
else
Q := @
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lsqlite3 -ljansson -lcurl -lncursesw -ltinfo)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wwrite-strings -Wvla
CSTD     := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64
CPPFLAGS += -Iinclude $(PKG_CFLAGS)
CFLAGS   ?= -O2 -g
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) $(CPPFLAGS) -MMD -MP
LDLIBS   += $(PKG_LIBS) -lpthread -lm

ASAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

LIB_SRC  := $(sort $(wildcard src/*/*.c))
MAIN_SRC := src/main.c
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))

# Objects for a variant directory $(1): release in build/rel, sanitizers in build/asan.
objs = $(patsubst %.c,$(1)/%.o,$(2))

REL  := $(BUILD)/rel
ASAN := $(BUILD)/asan

.PHONY: all demo test unit asan lint bench install deps clean distclean
all: redrive compile_commands.json

# --- release build -----------------------------------------------------------
$(REL)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

$(REL)/libredrive.a: $(call objs,$(REL),$(LIB_SRC))
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

redrive: $(call objs,$(REL),$(MAIN_SRC)) $(REL)/libredrive.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(REL)/tests/%: $(REL)/tests/unit/%.o $(REL)/libredrive.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) -lcmocka $(LDLIBS)

# --- sanitizer build ---------------------------------------------------------
$(ASAN)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC/SAN  $<")
	$(Q)$(CC) $(CSTD) $(WARN) $(ASAN_FLAGS) $(CPPFLAGS) -MMD -MP -c $< -o $@

$(ASAN)/libredrive.a: $(call objs,$(ASAN),$(LIB_SRC))
	$(Q)rm -f $@ && ar rcs $@ $^

$(ASAN)/redrive: $(call objs,$(ASAN),$(MAIN_SRC)) $(ASAN)/libredrive.a
	@$(if $(Q),echo "  LD/SAN  $@")
	$(Q)$(CC) $(ASAN_FLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(ASAN)/tests/%: $(ASAN)/tests/unit/%.o $(ASAN)/libredrive.a
	$(Q)$(CC) $(ASAN_FLAGS) -o $@ $^ $(LDFLAGS) -lcmocka $(LDLIBS)

# Test programs outside tests/unit: the provider tests' driver of target.h.
DRIVER_SRC := tests/provider/target_driver.c

$(REL)/tests/target_driver: $(REL)/tests/provider/target_driver.o $(REL)/libredrive.a
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(ASAN)/tests/target_driver: $(ASAN)/tests/provider/target_driver.o $(ASAN)/libredrive.a
	$(Q)$(CC) $(ASAN_FLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

UNIT_BINS      := $(patsubst tests/unit/%.c,$(REL)/tests/%,$(UNIT_SRC)) $(REL)/tests/target_driver
UNIT_BINS_ASAN := $(patsubst tests/unit/%.c,$(ASAN)/tests/%,$(UNIT_SRC)) $(ASAN)/tests/target_driver

asan: $(ASAN)/redrive $(UNIT_BINS_ASAN)
unit: $(UNIT_BINS)

# --- tests -------------------------------------------------------------------
# tests/run drives everything and prints the one summary line CI reads.
test: deps
	$(Q)$(MAKE) --no-print-directory redrive unit asan
	$(Q)tests/run

# Installs what is missing (Debian packages, pinned npm packages); a no-op when
# everything is present.
deps:
	$(Q).ci/deps

demo:
	$(Q).ci/deps --build-only
	$(Q)$(MAKE) --no-print-directory redrive
	./redrive demo

lint:
	$(Q)tests/lint

BENCH_BINS := $(REL)/bench/raw_insert $(REL)/bench/pages

$(REL)/bench/%: $(REL)/tests/bench/%.o $(REL)/libredrive.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

bench: redrive $(BENCH_BINS)
	$(Q)tests/bench/run

install: redrive
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	           $(DESTDIR)$(PREFIX)/share/redrive/themes
	install -m 0755 redrive $(DESTDIR)$(PREFIX)/bin/redrive
	install -m 0644 docs/redrive.1 $(DESTDIR)$(PREFIX)/share/man/man1/redrive.1
	install -m 0644 themes/*.theme $(DESTDIR)$(PREFIX)/share/redrive/themes/

# compile_commands.json for clangd and clang-tidy, written from the source list.
compile_commands.json: Makefile
	@{ echo '['; sep=''; for f in $(LIB_SRC) $(MAIN_SRC) $(UNIT_SRC) $(DRIVER_SRC); do \
	  printf '%s{"directory":"%s","file":"%s","command":"%s %s -c %s"}\n' "$$sep" \
	    "$(CURDIR)" "$$f" "$(CC)" "$(CSTD) $(WARN) $(CPPFLAGS)" "$$f"; sep=','; done; \
	  echo ']'; } > $@

clean:
	rm -rf $(BUILD) redrive compile_commands.json

distclean: clean
	rm -rf tests/provider/node_modules

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
