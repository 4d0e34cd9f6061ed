/*
 * pt_store_exit.c - the VM-exit side of pt_store.h (pt_store_exit.h): fetch
 * the instruction through this vCPU's translation cache, decode it with the
 * small decoder, check that the address it writes is the one that faulted,
 * run it on L2's RAM and write back what it changed. About a tenth of the
 * ticks of the general path (Capstone's decode alone is thousands).
 */
#include "emul/emul_internal.h"
#include "emul/pt_store.h"
#include "emul/pt_store_exit.h"
#include "guest_mem.h"
#include "lib/string.h"
#include "log.h"
#include "page_alloc.h"
#include "vmx.h"
#include "x86.h"

#define AR_L (1u << 13) /* CS access rights: 64-bit code */
#define AR_DB (1u << 14) /* 32-bit code */
#define MAX_INSN 15

static uint64_t done[PTS_BTC + 1], refused;

bool pt_store_exit(struct vcpu *v, const struct walk_mode *m, uint64_t va, uint64_t gpa,
		   unsigned *len)
{
	struct emul_env env = { .v = v, .mode = *m, .exit_la = ~0ull, .exit_page_la = ~0ull };
	uint64_t cs_ar = vmread(VMCS_GUEST_CS_ACCESS_RIGHTS);
	unsigned bits = cs_ar & AR_L && m->efer & EFER_LMA ? 64 : cs_ar & AR_DB ? 32 : 16;
	struct emul_regs r = { .gpr = v->gpr, .code_bits = (uint8_t)bits };
	struct walk_result w;
	struct pt_store s;
	uint8_t bytes[MAX_INSN];
	unsigned in_page, size;
	uint64_t rip, rflags, rsp;
	const void *code;
	void *p;

	if (bits == 16)
		goto refuse;
	rip = r.rip = vmread(VMCS_GUEST_RIP);
	in_page = (unsigned)(PAGE_SIZE - (rip & (PAGE_SIZE - 1)));
	if (in_page > MAX_INSN)
		in_page = MAX_INSN;
	if (!emul_walk(&env, rip, WALK_FETCH, &w) || !(code = guest_mem_ptr(w.gpa, in_page)))
		goto refuse; /* the emulator raises the fetch's own fault */
	memcpy(bytes, code, in_page);
	if (!pt_store_decode_bits(bytes, in_page, bits, &s))
		goto refuse;
	size = s.in.dst.size;
	if (s.in.mem.seg == SEG_FS || s.in.mem.seg == SEG_GS)
		r.seg_base[s.in.mem.seg] = vmread(s.in.mem.seg == SEG_FS ? VMCS_GUEST_FS_BASE
									  : VMCS_GUEST_GS_BASE);
	rsp = v->gpr[GPR_RSP] = vmread(VMCS_GUEST_RSP);
	rflags = r.rflags = vmread(VMCS_GUEST_RFLAGS);
	/* The write is the one that faulted, whole in its page: the walk behind gpa allowed it. */
	if (pt_store_address(&s, &r) != va || (va & (PAGE_SIZE - 1)) + size > PAGE_SIZE ||
	    !(p = guest_mem_ptr(gpa, size)))
		goto refuse;
	*len = pt_store_run(&s, p, &r) ? size : 0;
	emul_store_regs(&r, rip, rflags, rsp);
	done[s.op]++;
	return true;
refuse:
	refused++;
	return false;
}

void pt_store_log_counters(void)
{
	uint64_t total = 0;

	for (unsigned i = 0; i <= PTS_BTC; i++)
		total += done[i];
	if (!total && !refused)
		return;
	log_mline("pt-store", "fast=%lu mov=%lu xchg=%lu cmpxchg=%lu cmpxchg8b=%lu or=%lu "
		  "and=%lu xor=%lu bts=%lu btr=%lu btc=%lu to_emulator=%lu", total, done[PTS_MOV],
		  done[PTS_XCHG], done[PTS_CMPXCHG], done[PTS_CMPXCHG8B], done[PTS_OR],
		  done[PTS_AND], done[PTS_XOR], done[PTS_BTS], done[PTS_BTR], done[PTS_BTC],
		  refused);
}
