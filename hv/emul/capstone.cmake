# Capstone 4 (Debian's source package, unpacked by scripts/setup.sh into the
# cache), x86 only, built twice from its own sources:
#  - capstone_fs: for hv.elf, with the hypervisor's freestanding flags and
#    hv/emul/cs_libc/ as its C library headers; no system dynamic memory
#    (CAPSTONE_USE_SYS_DYN_MEM undefined): hv/emul/decoder.c hands it malloc
#    and friends through cs_option(CS_OPT_MEM), over hv/emul/heap.c.
#  - capstone_host: hosted, for the unit tests that decode.
# Capstone's own warnings are its business: it is compiled with -w, never
# with the project's -Werror. The AT&T printer is left out (we print Intel).
set(HV_CAPSTONE_DIR ${HV_CACHE_DIR}/capstone)
if(NOT EXISTS ${HV_CAPSTONE_DIR}/cs.c)
  message(FATAL_ERROR "no Capstone source in ${HV_CAPSTONE_DIR}: run scripts/setup.sh")
endif()
set(HV_CAPSTONE_SOURCES
  cs.c utils.c SStream.c MCInst.c MCInstrDesc.c MCRegisterInfo.c
  arch/X86/X86Disassembler.c arch/X86/X86DisassemblerDecoder.c
  arch/X86/X86IntelInstPrinter.c arch/X86/X86Mapping.c arch/X86/X86Module.c)
list(TRANSFORM HV_CAPSTONE_SOURCES PREPEND ${HV_CAPSTONE_DIR}/)
set(HV_CAPSTONE_DEFS CAPSTONE_HAS_X86 CAPSTONE_X86_ATT_DISABLE)

add_library(capstone_fs STATIC ${HV_CAPSTONE_SOURCES})
# capstone.h itself includes <stdlib.h> and friends: its users get cs_libc too.
target_include_directories(capstone_fs PRIVATE ${HV_CAPSTONE_DIR})
target_include_directories(capstone_fs SYSTEM BEFORE PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/emul/cs_libc
  ${HV_CAPSTONE_DIR}/include)
# _LIBC_LIMITS_H_: gcc's <limits.h> then defines the limits itself instead of
# looking for a C library's.
target_compile_definitions(capstone_fs PRIVATE ${HV_CAPSTONE_DEFS} _LIBC_LIMITS_H_)
target_compile_options(capstone_fs PRIVATE ${HV_FREESTANDING_CFLAGS} -w)
# MCOperand_{get,set}FPImm pass a double, which -mgeneral-regs-only refuses;
# no x86 path calls them, so in this one file (both builds) a double is a
# 64-bit integer.
set_source_files_properties(${HV_CAPSTONE_DIR}/MCInst.c PROPERTIES COMPILE_DEFINITIONS "double=long")

add_library(capstone_host STATIC ${HV_CAPSTONE_SOURCES})
target_include_directories(capstone_host PRIVATE ${HV_CAPSTONE_DIR})
target_include_directories(capstone_host SYSTEM PUBLIC ${HV_CAPSTONE_DIR}/include)
target_compile_definitions(capstone_host PRIVATE ${HV_CAPSTONE_DEFS} CAPSTONE_USE_SYS_DYN_MEM)
target_compile_options(capstone_host PRIVATE -w -O2 -g)
