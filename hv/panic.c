/*
 * panic.c - the one way the hypervisor dies: software panics and CPU
 * exceptions both print a register dump and a "@hv panic" record, then the
 * failing verdict, so the launcher reports the failure instead of hanging.
 */
#include <stdarg.h>

#include "extable.h"
#include "idt.h"
#include "irq/irq.h"
#include "lib/format.h"
#include "log.h"
#include "panic.h"
#include "power.h"
#include "self_protect.h"
#include "shadow_kick.h"
#include "x86.h"

static const char *const vector_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
	"#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

static void dump_frame(const struct exception_frame *f)
{
	log_raw("  rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	log_raw("  rsi=%016lx rdi=%016lx rbp=%016lx rsp=%016lx\n", f->rsi, f->rdi, f->rbp, f->rsp);
	log_raw("  r8 =%016lx r9 =%016lx r10=%016lx r11=%016lx\n", f->r8, f->r9, f->r10, f->r11);
	log_raw("  r12=%016lx r13=%016lx r14=%016lx r15=%016lx\n", f->r12, f->r13, f->r14, f->r15);
	log_raw("  rip=%016lx cs=%04lx rflags=%08lx ss=%04lx error=%lx\n", f->rip, f->cs,
		f->rflags, f->ss, f->error_code);
	log_raw("  cr0=%016lx cr2=%016lx cr3=%016lx cr4=%016lx\n", read_cr0(), read_cr2(),
		read_cr3(), read_cr4());
}

void exception_handler(struct exception_frame *f)
{
	const char *name = f->vector < 32 ? vector_names[f->vector] : "?";
	char why[160], fields[96];

	if (extable_fixup(f))
		return; /* an instruction that was allowed to fault */
	if (f->vector == 2 && shadow_kick_nmi())
		return; /* another CPU's TLB shoot-down (shadow paging): served */
	if (f->vector == 2 && irq_nmi_in_root())
		return; /* L2's NMI, arrived while this CPU ran the hypervisor: queued */

	log_error("exception %s (vector %lu) at rip %#lx, error code %#lx", name, f->vector,
		  f->rip, f->error_code);
	self_protect_explain_fault(f->vector, f->error_code, read_cr2(), why, sizeof(why), fields,
			      sizeof(fields));
	if (why[0])
		log_error("%s", why);
	dump_frame(f);
	log_mline("panic", "kind=exception vector=%lu name=%s error=%#lx rip=%#lx rsp=%#lx "
		  "cr2=%#lx%s", f->vector, name, f->error_code, f->rip, f->rsp, read_cr2(), fields);
	hv_finish(false, "panic");
}

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	__asm__ volatile("cli");
	va_start(ap, fmt);
	hv_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("panic: %s", msg);
	log_mline("panic", "kind=software caller=%p msg=\"%s\"", __builtin_return_address(0), msg);
	hv_finish(false, "panic");
}
