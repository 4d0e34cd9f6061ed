/*
 * emulate.h - executes one decoded instruction (insn.h) against a register
 * file and a memory interface, with the flags the CPU sets. Pure logic: the
 * hypervisor plugs in guest memory and device models (emul_exit.c), the
 * host unit test plugs in its own RAM and compares with the real CPU.
 */
#ifndef HV_EMUL_EMULATE_H
#define HV_EMUL_EMULATE_H

#include <stdbool.h>
#include <stdint.h>

#include "insn.h"

#define RFLAGS_CF (1u << 0)
#define RFLAGS_PF (1u << 2)
#define RFLAGS_AF (1u << 4)
#define RFLAGS_ZF (1u << 6)
#define RFLAGS_SF (1u << 7)
#define RFLAGS_DF (1u << 10)
#define RFLAGS_OF (1u << 11)
#define RFLAGS_ARITH (RFLAGS_CF | RFLAGS_PF | RFLAGS_AF | RFLAGS_ZF | RFLAGS_SF | RFLAGS_OF)

/* An exception the access raised, to be delivered to the guest. */
struct emul_fault {
	uint8_t vector;
	bool has_error;
	uint32_t error;
	uint64_t cr2;  /* #PF only: the faulting linear address */
};

/*
 * Memory at a linear address: 'size' bytes (1-8), possibly crossing a page
 * (the callee splits). False means it faulted: *f says how.
 */
struct emul_mem_ops {
	bool (*read)(void *ctx, uint64_t la, void *buf, unsigned size, struct emul_fault *f);
	bool (*write)(void *ctx, uint64_t la, const void *buf, unsigned size,
		      struct emul_fault *f);
};

/* What segmentation checks an access gets (emul_regs.seg_checks). */
enum emul_seg_checks {
	SEG_CHECK_NONE,   /* 64-bit code (canonical addresses only), or no segment state given */
	SEG_CHECK_LIMITS, /* real mode, virtual-8086: limits only */
	SEG_CHECK_ALL,    /* protected mode: usable, type (read/write), limits */
};

/* The guest state an instruction reads and changes. */
struct emul_regs {
	uint64_t *gpr;                /* 16 of them, SDM order, RSP included; changed in place */
	uint64_t rip, rflags;
	uint64_t seg_base[SEG_COUNT];
	/* Outside 64-bit code: byte-granular limits and VMCS-format access rights (Vol. 3C 24.4.1). */
	uint32_t seg_limit[SEG_COUNT], seg_ar[SEG_COUNT];
	uint8_t seg_checks;           /* enum emul_seg_checks */
	uint8_t code_bits;            /* 16, 32, 64 */
};

enum emul_status {
	EMUL_DONE,    /* executed: registers updated, RIP past the instruction */
	EMUL_FAULT,   /* an access faulted: *f holds it, RIP unchanged (partial REP progress kept) */
};

enum emul_status emulate(const struct emul_insn *in, struct emul_regs *r,
			 const struct emul_mem_ops *mem, void *ctx, struct emul_fault *f);
/*
 * For a caller that does a MOV's one memory access itself (emul_exit.c's
 * fast path for promoted sites): the value a register or immediate operand
 * holds, and a loaded value put into MOV/MOVZX/MOVSX's destination register.
 */
uint64_t emul_operand_value(const struct emul_regs *r, const struct emul_opnd *o);
void emul_load_result(const struct emul_insn *in, struct emul_regs *r, uint64_t v);
/* The linear address of the instruction's memory operand (its source for MOVS). */
uint64_t emul_linear_address(const struct emul_insn *in, const struct emul_regs *r);
/* a op b at 'size' (EOP_ADD ... EOP_XOR); *flags: the arithmetic flags it sets. */
uint64_t emul_alu(unsigned op, uint64_t a, uint64_t b, unsigned size, uint64_t *flags);
/*
 * Whether a MOV-like instruction's one memory operand passes segmentation
 * (limits, type, canonical form); else *f holds the #GP(0) or #SS(0).
 */
bool emul_mem_operand_ok(const struct emul_insn *in, const struct emul_regs *r,
			 struct emul_fault *f);
/*
 * The segmentation checks of one access of 'size' bytes at 'offset' in
 * segment 'seg' (SDM Vol. 3A 5.3, 5.4.1, 3.4.5.1; 64-bit: 3.3.7.1); false
 * with *f = #SS(0) for SS, #GP(0) otherwise.
 */
bool emul_segment_ok(const struct emul_regs *r, unsigned seg, uint64_t offset, unsigned size,
		     bool write, struct emul_fault *f);

#endif
