/*
 * irqtest.c - interrupts on two CPUs, whatever the hypervisor's per-CPU
 * policy (irq=): on each CPU in turn, its local APIC timer, IPIs from the
 * other CPU, two IPIs that must arrive by priority, one the TPR must hold
 * back, a device's interrupt (COM1 through the IOAPIC), NMIs, and an NMI
 * sent while the first one's handler runs, which must wait for its IRET
 * (the NMI window). Counts and order are checked; under the hypervisor
 * HC_IRQ_INFO also says how many of them it intercepted, which must be all
 * on an intercepting CPU and none on a direct one. Last, on each CPU, the
 * cost of one interrupt (a self-IPI, raise to handler, and the VM exits per
 * interrupt with its EOI) as benchmark lines "@guest bench test=irq-...".
 * Runs natively too (the checks of what L2 sees hold on bare L0 as well).
 */
#include "apic.h"
#include "bench_ipi.h"
#include "guest.h"
#include "lib/format.h"
#include "smp.h"
#include "stats.h"
#include "trap.h"
#include "tsc_measure.h"
#include "vmcall.h"
#include "x86.h"

#define NCPUS 2
#define VEC_SERIAL 0x44
#define VEC_TIMER 0x50
#define VEC_IPI 0x60
#define VEC_LOW 0x61
#define VEC_TPR 0x65
#define VEC_HIGH 0x71
#define VEC_BENCH 0x40
#define VEC_SPURIOUS 0xff
#define NMI_VECTOR 2

#define APIC_TPR 0x080
#define APIC_LVT_TIMER 0x320
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_DIV 0x3e0
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define ICR_FIXED 0x0000u
#define ICR_NMI 0x0400u

#define COM1 0x3f8
#define UART_IER (COM1 + 1)
#define UART_IIR (COM1 + 2)
#define UART_MCR (COM1 + 4)
#define IER_THRE 0x02
#define MCR_OUT2 0x08       /* gates the UART's interrupt line on a PC */
#define COM1_GSI 4          /* ISA IRQ 4: no override on a PC */
#define IOAPIC_BASE 0xfec00000ull
#define RTE_MASKED (1u << 16)

#define TIMER_TICKS 20
#define TIMER_PERIOD 20000
#define IPIS 20
#define SERIAL_IRQS 5
#define BENCH_ITERS 200
#define TIMEOUT 200000000ull /* TSC ticks: generous under Bochs, where they are instructions */

extern void irqtest_entry_0x44(void), irqtest_entry_0x50(void), irqtest_entry_0x60(void),
	irqtest_entry_0x61(void), irqtest_entry_0x65(void), irqtest_entry_0x71(void),
	irqtest_entry_0xff(void), irqtest_nmi_entry(void);

/* What each CPU's handlers saw. */
struct cpu_seen {
	volatile uint64_t count[256];   /* interrupts by vector */
	volatile uint64_t total;        /* every interrupt, spurious included */
	volatile uint8_t order[8];      /* VEC_LOW/VEC_HIGH in arrival order */
	volatile unsigned n_order;
	volatile uint64_t nmis, nmis_done, nmi_depth, nmi_max_depth;
	volatile bool nmi_hold;         /* the NMI handler spins while this is set */
};

static struct cpu_seen seen[NCPUS];
static uint32_t apic_ids[NCPUS];
static bool under_hv;

/* The AP's mailbox: a job the boot CPU posts, run with interrupts on. */
static void (*volatile ap_job)(unsigned cpu);
static volatile unsigned ap_job_arg;
static volatile bool ap_job_done;
/* Handshakes between the receiving and the sending side of a test. */
static volatile int stage;

static unsigned this_cpu(void)
{
	uint32_t id = smp_apic_id();

	return id == apic_ids[0] ? 0 : 1;
}

static void eoi(void)
{
	*apic_reg(APIC_EOI) = 0;
}

void irqtest_interrupt(uint64_t vector);
void irqtest_interrupt(uint64_t vector)
{
	struct cpu_seen *s = &seen[this_cpu()];

	s->count[vector]++;
	s->total++;
	if ((vector == VEC_LOW || vector == VEC_HIGH) && s->n_order < sizeof(s->order))
		s->order[s->n_order++] = (uint8_t)vector;
	if (vector == VEC_SERIAL) {
		inb(UART_IIR);      /* reading IIR clears the THRE interrupt */
		outb(UART_IER, 0);
	}
	if (vector == VEC_TIMER && s->count[vector] == TIMER_TICKS)
		*apic_reg(APIC_LVT_TIMER) = LVT_MASKED | VEC_TIMER;
	if (vector != VEC_SPURIOUS)
		eoi();
}

void irqtest_nmi(void);
void irqtest_nmi(void)
{
	struct cpu_seen *s = &seen[this_cpu()];

	s->nmis++;
	if (++s->nmi_depth > s->nmi_max_depth)
		s->nmi_max_depth = s->nmi_depth;
	while (s->nmi_hold)
		__asm__ volatile("pause");
	s->nmi_depth--;
	s->nmis_done++;
}

/* Spins until *p reaches want; false on timeout. */
static bool wait_for(volatile uint64_t *p, uint64_t want)
{
	uint64_t deadline = rdtsc() + TIMEOUT;

	while (*p < want)
		if (rdtsc() > deadline)
			return false;
	return true;
}

static bool wait_stage(int want)
{
	uint64_t deadline = rdtsc() + TIMEOUT;

	while (stage < want)
		if (rdtsc() > deadline)
			return false;
	return true;
}

static void spin(unsigned n)
{
	for (volatile unsigned i = 0; i < n; i++)
		__asm__ volatile("pause");
}

/* The AP's life: run posted jobs with interrupts on, forever. */
static void ap_main(unsigned index)
{
	(void)index;
	for (;;) {
		__asm__ volatile("sti");
		while (!ap_job)
			__asm__ volatile("pause");
		ap_job(ap_job_arg);
		__asm__ volatile("sti");
		ap_job = NULL;
		ap_job_done = true;
	}
}

/* Runs job(arg) on CPU cpu (the AP through its mailbox, without waiting). */
static void post(unsigned cpu, void (*job)(unsigned), unsigned arg)
{
	if (cpu == 0) {
		job(arg);
		return;
	}
	ap_job_done = false;
	ap_job_arg = arg;
	ap_job = job;
}

/* Waits for the AP's job, which may itself wait up to a few TIMEOUTs. */
static bool ap_wait(void)
{
	uint64_t deadline = rdtsc() + 8 * TIMEOUT;

	while (!ap_job_done)
		if (rdtsc() > deadline)
			return false;
	return true;
}

/*
 * The receiving side on CPU 'to', the sending side on the other one, at
 * once: the AP's part through the mailbox, the boot CPU's here.
 */
static bool run_pair(unsigned to, void (*receive)(unsigned), void (*send)(unsigned))
{
	stage = 0;
	if (to == 0) {
		post(1, send, to);
		receive(to);
	} else {
		post(1, receive, to);
		send(to);
	}
	return ap_wait();
}

/* --- the tests: 'cpu' is the receiving CPU --- */

static void timer_job(unsigned cpu)
{
	*apic_reg(APIC_TIMER_DIV) = 0xb; /* divide by 1 */
	*apic_reg(APIC_LVT_TIMER) = LVT_PERIODIC | VEC_TIMER;
	*apic_reg(APIC_TIMER_INIT) = TIMER_PERIOD;
	__asm__ volatile("sti");
	wait_for(&seen[cpu].count[VEC_TIMER], TIMER_TICKS);
	spin(20000); /* a tick too many would land now */
	*apic_reg(APIC_TIMER_INIT) = 0;
}

/*
 * Sleeps in HLT between the IPIs, as an idle OS does: each must wake it (a
 * lost one leaves it asleep, and the run ends without a verdict).
 */
static void ipi_receiver(unsigned cpu)
{
	while (seen[cpu].count[VEC_IPI] < IPIS)
		__asm__ volatile("sti\n\thlt\n\tcli");
	__asm__ volatile("sti");
}

static void ipi_sender(unsigned to)
{
	for (unsigned i = 0; i < IPIS; i++) {
		smp_send_ipi(apic_ids[to], ICR_FIXED | VEC_IPI);
		if (!wait_for(&seen[to].count[VEC_IPI], i + 1))
			break;
	}
	stage = 9;
}

/* With interrupts off the receiver gets VEC_LOW then VEC_HIGH; STI must deliver HIGH first. */
static void order_receiver(unsigned cpu)
{
	(void)cpu;
	__asm__ volatile("cli");
	stage = 1;
	wait_stage(2);
	__asm__ volatile("sti");
	spin(20000);
}

static void order_sender(unsigned to)
{
	wait_stage(1);
	smp_send_ipi(apic_ids[to], ICR_FIXED | VEC_LOW);
	smp_send_ipi(apic_ids[to], ICR_FIXED | VEC_HIGH);
	spin(20000);
	stage = 2;
}

static volatile uint64_t tpr_held; /* VEC_TPR arrivals while the TPR was 0x70 */

/* TPR 0x70 holds VEC_TPR (class 6) back with interrupts on; TPR 0 lets it in. */
static void tpr_receiver(unsigned cpu)
{
	*apic_reg(APIC_TPR) = 0x70;
	__asm__ volatile("sti");
	stage = 1;
	wait_stage(2);
	spin(20000);
	tpr_held = seen[cpu].count[VEC_TPR];
	*apic_reg(APIC_TPR) = 0;
	wait_for(&seen[cpu].count[VEC_TPR], 1);
}

static void tpr_sender(unsigned to)
{
	wait_stage(1);
	smp_send_ipi(apic_ids[to], ICR_FIXED | VEC_TPR);
	stage = 2;
}

static void ioapic_write(uint32_t reg, uint32_t value)
{
	*(volatile uint32_t *)(uintptr_t)IOAPIC_BASE = reg;
	*(volatile uint32_t *)(uintptr_t)(IOAPIC_BASE + 0x10) = value;
}

/* COM1's transmitter-empty interrupt, SERIAL_IRQS times, routed to this CPU. */
static void serial_job(unsigned cpu)
{
	ioapic_write(0x10 + 2 * COM1_GSI + 1, apic_ids[cpu] << 24);
	ioapic_write(0x10 + 2 * COM1_GSI, VEC_SERIAL); /* fixed, physical, edge, high */
	outb(UART_MCR, inb(UART_MCR) | MCR_OUT2);
	__asm__ volatile("sti");
	for (unsigned i = 0; i < SERIAL_IRQS; i++) {
		outb(UART_IER, IER_THRE);
		if (!wait_for(&seen[cpu].count[VEC_SERIAL], i + 1))
			break;
	}
	outb(UART_IER, 0);
	outb(UART_MCR, inb(UART_MCR) & ~MCR_OUT2);
	ioapic_write(0x10 + 2 * COM1_GSI, RTE_MASKED | VEC_SERIAL);
}

/* One NMI; then one held in its handler while a second comes, which must wait for IRET. */
static void nmi_sender(unsigned to)
{
	struct cpu_seen *s = &seen[to];

	smp_send_ipi(apic_ids[to], ICR_NMI);
	wait_for(&s->nmis_done, 1);
	s->nmi_hold = true;
	smp_send_ipi(apic_ids[to], ICR_NMI);
	wait_for(&s->nmis, 2);
	smp_send_ipi(apic_ids[to], ICR_NMI);
	spin(50000);
	stage = s->nmis == 2 ? 3 : -1; /* the third is blocked, not lost, not nested */
	s->nmi_hold = false;
	wait_for(&s->nmis_done, 3);
	stage = stage == 3 ? 9 : stage;
}

static void nmi_receiver(unsigned cpu)
{
	(void)cpu;
	__asm__ volatile("sti");
	wait_stage(9);
}

/* --- the cost of one interrupt on this CPU --- */

TSC_TIMED(empty_once, "", ())

BENCH_SELF_IPI_TIMED(self_ipi_once, VEC_BENCH)

static uint64_t exits_so_far(void)
{
	return vmcall(HC_EXIT_COUNT, 0, 0, 0).rbx;
}

static const char *policy_of(unsigned flags)
{
	return !under_hv ? "native" : flags & HC_IRQ_INTERCEPT ? "intercept" : "direct";
}

static void bench_job(unsigned cpu)
{
	static uint64_t samples[BENCH_ITERS];
	uint64_t overhead = UINT64_MAX, exits = 0;
	const char *policy = policy_of(under_hv ? (unsigned)vmcall(HC_IRQ_INFO, 0, 0, 0).rbx : 0);
	struct sample_stats st;

	for (unsigned i = 0; i < BENCH_ITERS; i++) {
		uint64_t t = empty_once();

		overhead = t < overhead ? t : overhead;
		self_ipi_once(); /* warm-up */
	}
	if (under_hv)
		exits = exits_so_far();
	for (unsigned i = 0; i < BENCH_ITERS; i++) {
		uint64_t t = self_ipi_once();

		samples[i] = t > overhead ? t - overhead : 0;
	}
	if (under_hv)
		exits = exits_so_far() - exits - 1;
	st = stats_summarize(samples, BENCH_ITERS);
	/* Natively the row is the baseline of both policies' rows. */
	guest_mline("bench", "test=irq-%s cpu=%u min=%lu median=%lu p99=%lu n=%zu exits=%lu",
		    policy, cpu, st.min, st.median, st.p99, st.n, exits);
}

/* --- checks --- */

struct hv_irq {
	unsigned flags;
	uint64_t intercepted, nmis;
};

static struct hv_irq hv_irq_now[NCPUS];

static void hv_irq_job(unsigned cpu)
{
	struct hc_result r = vmcall(HC_IRQ_INFO, 0, 0, 0);

	hv_irq_now[cpu] = (struct hv_irq){ (unsigned)r.rbx, r.rcx, r.rdx };
}

static struct hv_irq hv_irq_info(unsigned cpu)
{
	if (!under_hv)
		return (struct hv_irq){ 0 };
	post(cpu, hv_irq_job, cpu);
	if (cpu)
		ap_wait();
	return hv_irq_now[cpu];
}

static bool check_cpu(unsigned cpu, const struct hv_irq *before)
{
	struct cpu_seen *s = &seen[cpu];
	struct hv_irq after = hv_irq_info(cpu);
	uint64_t intercepted = after.intercepted - before->intercepted;
	uint64_t nmis = after.nmis - before->nmis;
	bool ok = true;
	char name[48];

#define CPU_CHECK(what, cond, ...)                                              \
	do {                                                                    \
		hv_snprintf(name, sizeof(name), "cpu%u-%s", cpu, what);         \
		ok &= guest_check(name, cond, __VA_ARGS__);                     \
	} while (0)
	/* A tick already in the IRR when the handler masks the timer still arrives. */
	CPU_CHECK("timer", s->count[VEC_TIMER] - TIMER_TICKS <= 1, "got=%lu want=%u-%u",
		  s->count[VEC_TIMER], TIMER_TICKS, TIMER_TICKS + 1);
	CPU_CHECK("ipi", s->count[VEC_IPI] == IPIS, "got=%lu want=%u", s->count[VEC_IPI], IPIS);
	CPU_CHECK("ipi-priority-order",
		  s->n_order == 2 && s->order[0] == VEC_HIGH && s->order[1] == VEC_LOW,
		  "n=%u first=%#x second=%#x", s->n_order, s->order[0], s->order[1]);
	CPU_CHECK("tpr", tpr_held == 0 && s->count[VEC_TPR] == 1,
		  "held_while_tpr_high=%lu delivered=%lu", tpr_held, s->count[VEC_TPR]);
	CPU_CHECK("serial", s->count[VEC_SERIAL] == SERIAL_IRQS, "got=%lu want=%u",
		  s->count[VEC_SERIAL], SERIAL_IRQS);
	CPU_CHECK("nmi", s->nmis == 3 && s->nmi_max_depth == 1, "nmis=%lu max_depth=%lu",
		  s->nmis, s->nmi_max_depth);
	if (under_hv) {
		bool intercept = after.flags & HC_IRQ_INTERCEPT;

		CPU_CHECK("hv-intercepted", intercept ? intercepted == s->total : intercepted == 0,
			  "policy=%s intercepted=%lu handled=%lu", policy_of(after.flags),
			  intercepted, s->total);
		CPU_CHECK("hv-nmis", after.flags & HC_IRQ_NMI_EXITING ? nmis == s->nmis : nmis == 0,
			  "nmi_exiting=%u intercepted=%lu handled=%lu",
			  !!(after.flags & HC_IRQ_NMI_EXITING), nmis, s->nmis);
	}
	guest_mline("irq-result", "cpu=%u policy=%s timer=%lu ipi=%lu order=%#x,%#x tpr_held=%lu "
		    "serial=%lu nmis=%lu nmi_max_depth=%lu handled=%lu hv_intercepted=%lu "
		    "hv_nmis=%lu", cpu, policy_of(after.flags), s->count[VEC_TIMER],
		    s->count[VEC_IPI], s->order[0], s->order[1], tpr_held, s->count[VEC_SERIAL],
		    s->nmis, s->nmi_max_depth, s->total, intercepted, nmis);
#undef CPU_CHECK
	return ok;
}

static bool test_cpu(unsigned cpu)
{
	struct hv_irq before = hv_irq_info(cpu);
	bool ok = true;

	tpr_held = 0;
	post(cpu, timer_job, cpu);
	ok &= cpu == 0 || ap_wait();
	ok &= run_pair(cpu, ipi_receiver, ipi_sender);
	ok &= run_pair(cpu, order_receiver, order_sender);
	ok &= run_pair(cpu, tpr_receiver, tpr_sender);
	post(cpu, serial_job, cpu);
	ok &= cpu == 0 || ap_wait();
	ok &= run_pair(cpu, nmi_receiver, nmi_sender);
	__asm__ volatile("cli");
	if (!guest_check("jobs-finished", ok, "cpu=%u", cpu))
		return false;
	return check_cpu(cpu, &before);
}

bool guest_main(const char *cmdline)
{
	const char *err;
	bool ok = true;

	(void)cmdline;
	under_hv = hv_present();
	trap_set_gate(NMI_VECTOR, irqtest_nmi_entry);
	trap_set_gate(VEC_SERIAL, irqtest_entry_0x44);
	trap_set_gate(VEC_TIMER, irqtest_entry_0x50);
	trap_set_gate(VEC_IPI, irqtest_entry_0x60);
	trap_set_gate(VEC_LOW, irqtest_entry_0x61);
	trap_set_gate(VEC_TPR, irqtest_entry_0x65);
	trap_set_gate(VEC_HIGH, irqtest_entry_0x71);
	trap_set_gate(VEC_SPURIOUS, irqtest_entry_0xff);
	trap_set_gate(VEC_BENCH, bench_ipi_entry);
	err = apic_init(VEC_SPURIOUS);
	if (err) {
		guest_mline("irqtest-error", "reason=\"%s\"", err);
		return false;
	}
	apic_ids[0] = smp_apic_id();
	apic_ids[1] = apic_ids[0] == 0 ? 1 : 0; /* Bochs numbers its CPUs 0, 1, ... */
	if (!guest_check("ap-started", smp_start_cpu(apic_ids[1], 1, ap_main), "apic_id=%u",
			 apic_ids[1]))
		return false;
	guest_mline("irqtest-setup", "config=%s cpus=%u", under_hv ? "hv" : "native", NCPUS);
	for (unsigned cpu = 0; cpu < NCPUS; cpu++)
		ok &= test_cpu(cpu);
	for (unsigned cpu = 0; cpu < NCPUS; cpu++) {
		post(cpu, bench_job, cpu);
		if (cpu)
			ap_wait();
	}
	guest_mline("irqtest-done", "result=%s", ok ? "pass" : "fail");
	if (under_hv)
		vmcall(HC_EXIT, ok ? 0 : 1, 0, 0);
	return ok;
}
