/*
 * irqtest.c - interrupts on two CPUs, whatever the hypervisor's per-CPU
 * policy (irq=): on each CPU in turn, its local APIC timer, IPIs from the
 * other CPU, two IPIs that must arrive by priority, one the TPR must hold
 * back, NMIs, and an NMI sent while the first one's handler runs, which
 * must wait for its IRET (the NMI window). Then two IOAPIC devices, COM1
 * (shared with the hypervisor) and the PIT (dedicated to L2), steered to
 * each CPU in turn: where the hypervisor polices L2's routes
 * (ioapic_model=on), a route that breaks irq= must arrive on the CPU the
 * policy picks (a shared device on an intercepting CPU, a dedicated one on
 * a direct CPU), while L2 still reads back the entry it wrote. Counts and
 * order are checked; under the hypervisor HC_IRQ_INFO also says how many
 * of them it intercepted, which must be all on an intercepting CPU and
 * none on a direct one. Last, on each CPU, the cost of one interrupt (a
 * self-IPI, raise to handler, and the VM exits per interrupt with its EOI)
 * as benchmark lines "@guest bench test=irq-...".
 * Runs natively too (the checks of what L2 sees hold on bare L0 as well).
 */
#include "apic.h"
#include "bench_ipi.h"
#include "guest.h"
#include "lib/format.h"
#include "msi_probe.h"
#include "smp.h"
#include "stats.h"
#include "trap.h"
#include "tsc_measure.h"
#include "vmcall.h"
#include "x86.h"

#define NCPUS 2
#define VEC_SERIAL 0x44
#define VEC_PIT 0x48
#define VEC_TIMER 0x50
#define VEC_IPI 0x60
#define VEC_LOW 0x61
#define VEC_TPR 0x65
#define VEC_HIGH 0x71
#define VEC_PPR_LOW 0x66    /* class 6: waits while 0x91 is in service, then for the TPR */
#define VEC_PPR_HIGH 0x91
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
#define PIT_GSI 2           /* ISA IRQ 0: the MADT's override (Bochs, QEMU and most PCs) */
#define PIT_CMD 0x43
#define PIT_CH0 0x40
#define PIT_CH0_RATE 0x34   /* channel 0, low then high byte, mode 2 (rate generator) */
#define PIT_CH0_STOP 0x30   /* channel 0, mode 0: the output stays low until a count is written */
#define PIT_DIVISOR 1193    /* about 1 kHz */
#define IOAPIC_BASE 0xfec00000ull
#define RTE_MASKED (1u << 16)
#define RTE_READ_ONLY ((1u << 12) | (1u << 14)) /* delivery status, remote IRR */

#define TIMER_TICKS 20
#define TIMER_PERIOD 20000
#define IPIS 20
#define SERIAL_IRQS 5
#define PIT_IRQS 5
#define BENCH_ITERS 200
#define TIMEOUT 200000000ull /* TSC ticks: generous under Bochs, where they are instructions */
#define PROMPT 20000ull      /* ticks within which a priority drop must let an interrupt in */

extern void irqtest_entry_0x44(void), irqtest_entry_0x48(void), irqtest_entry_0x50(void),
	irqtest_entry_0x60(void), irqtest_entry_0x61(void), irqtest_entry_0x65(void),
	irqtest_entry_0x66(void), irqtest_entry_0x71(void), irqtest_entry_0x91(void),
	irqtest_entry_0xff(void), irqtest_nmi_entry(void);

/* What each CPU's handlers saw. */
struct cpu_seen {
	volatile uint64_t count[256];   /* interrupts by vector */
	volatile uint64_t total;        /* every interrupt, spurious included */
	volatile uint8_t order[8];      /* VEC_LOW/VEC_HIGH in arrival order */
	volatile unsigned n_order;
	volatile uint64_t nmis, nmis_done, nmi_depth, nmi_max_depth;
	volatile bool nmi_hold;         /* the NMI handler spins while this is set */
	uint64_t tpr_held;              /* VEC_TPR arrivals while the TPR was 0x70 */
	/* VEC_PPR_LOW arrivals in VEC_PPR_HIGH's handler: per variant (EOI, TPR) */
	uint64_t ppr_in_service[2], ppr_tpr_held[2], ppr_after_drop[2];
};

static struct cpu_seen seen[NCPUS];
static uint32_t apic_ids[NCPUS];
static bool under_hv;
static volatile uint64_t pit_total, pit_stop_at; /* PIT interrupts on any CPU; stop there */

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

static volatile unsigned ppr_variant; /* 0: the EOI lets VEC_PPR_LOW in; 1: then the TPR */

/* Spins until *p reaches want or 'ticks' pass; the count it saw. */
static uint64_t count_within(volatile uint64_t *p, uint64_t want, uint64_t ticks)
{
	uint64_t deadline = rdtsc() + ticks;

	while (*p < want && rdtsc() < deadline)
		__asm__ volatile("pause");
	return *p;
}

/*
 * VEC_PPR_HIGH's handler, entered with VEC_PPR_LOW waiting: it re-enables
 * interrupts, and VEC_PPR_LOW must not nest while it is in service (its
 * class is not above the PPR); after the EOI (variant 0), or after the EOI
 * with the TPR raised to class 7 and then lowered (variant 1), it must
 * arrive at once.
 */
static void ppr_high(struct cpu_seen *s)
{
	unsigned k = ppr_variant;
	uint64_t before = s->count[VEC_PPR_LOW];

	__asm__ volatile("sti");
	s->ppr_in_service[k] = count_within(&s->count[VEC_PPR_LOW], before + 1, PROMPT) - before;
	if (k == 1)
		*apic_reg(APIC_TPR) = 0x70;
	eoi();
	if (k == 1) {
		s->ppr_tpr_held[k] =
			count_within(&s->count[VEC_PPR_LOW], before + 1, PROMPT) - before;
		*apic_reg(APIC_TPR) = 0;
	}
	s->ppr_after_drop[k] = count_within(&s->count[VEC_PPR_LOW], before + 1, PROMPT) - before;
	__asm__ volatile("cli");
}

void irqtest_interrupt(uint64_t vector);
void irqtest_interrupt(uint64_t vector)
{
	struct cpu_seen *s = &seen[this_cpu()];

	if (vector == VEC_PPR_HIGH) {
		s->count[vector]++;
		s->total++;
		ppr_high(s); /* its own EOI */
		return;
	}

	/* The device first: the count lets the sender (maybe another CPU) go on. */
	if (vector == VEC_SERIAL) {
		inb(UART_IIR);      /* reading IIR clears the THRE interrupt */
		outb(UART_IER, 0);
	}
	if (vector == VEC_PIT && ++pit_total == pit_stop_at)
		outb(PIT_CMD, PIT_CH0_STOP); /* no tick after the last one counted */
	s->count[vector]++;
	s->total++;
	if ((vector == VEC_LOW || vector == VEC_HIGH) && s->n_order < sizeof(s->order))
		s->order[s->n_order++] = (uint8_t)vector;
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

/* The receiving side: interrupts off until the sender's two IPIs are in, then on. */
static void receive_two_with_interrupts_off(void)
{
	__asm__ volatile("cli");
	stage = 1;
	wait_stage(2);
	__asm__ volatile("sti");
}

/* The sending side: 'first', then 'second', to a receiver with interrupts off. */
static void send_two(unsigned to, uint8_t first, uint8_t second)
{
	wait_stage(1);
	smp_send_ipi(apic_ids[to], ICR_FIXED | first);
	smp_send_ipi(apic_ids[to], ICR_FIXED | second);
	spin(20000);
	stage = 2;
}

/* With interrupts off the receiver gets VEC_LOW then VEC_HIGH; STI must deliver HIGH first. */
static void order_receiver(unsigned cpu)
{
	(void)cpu;
	receive_two_with_interrupts_off();
	spin(20000);
}

static void order_sender(unsigned to)
{
	send_two(to, VEC_LOW, VEC_HIGH);
}

/* TPR 0x70 holds VEC_TPR (class 6) back with interrupts on; TPR 0 lets it in. */
static void tpr_receiver(unsigned cpu)
{
	*apic_reg(APIC_TPR) = 0x70;
	__asm__ volatile("sti");
	stage = 1;
	wait_stage(2);
	spin(20000);
	seen[cpu].tpr_held = seen[cpu].count[VEC_TPR];
	*apic_reg(APIC_TPR) = 0;
	wait_for(&seen[cpu].count[VEC_TPR], 1);
}

static void tpr_sender(unsigned to)
{
	wait_stage(1);
	smp_send_ipi(apic_ids[to], ICR_FIXED | VEC_TPR);
	stage = 2;
}

/* With interrupts off the receiver gets VEC_PPR_LOW, then VEC_PPR_HIGH; see ppr_high. */
static void ppr_receiver(unsigned cpu)
{
	receive_two_with_interrupts_off();
	wait_for(&seen[cpu].count[VEC_PPR_LOW], ppr_variant + 1);
}

static void ppr_sender(unsigned to)
{
	send_two(to, VEC_PPR_LOW, VEC_PPR_HIGH);
}

static bool ppr_pairs(unsigned cpu)
{
	bool ok = true;

	for (ppr_variant = 0; ppr_variant < 2; ppr_variant++)
		ok &= run_pair(cpu, ppr_receiver, ppr_sender);
	return ok;
}

/* --- IOAPIC devices steered to each CPU (run on the boot CPU) --- */

struct hv_irq {
	unsigned flags;
	uint64_t intercepted, nmis;
};

static struct hv_irq hv_start[NCPUS]; /* HC_IRQ_INFO before the first test */
static uint64_t serial_want[NCPUS], pit_want[NCPUS];
static volatile bool readback_ok = true;
static uint64_t readback_bad_reg, readback_bad_got;

static void ioapic_write(uint32_t reg, uint32_t value)
{
	*(volatile uint32_t *)(uintptr_t)IOAPIC_BASE = reg;
	*(volatile uint32_t *)(uintptr_t)(IOAPIC_BASE + 0x10) = value;
}

static uint32_t ioapic_read(uint32_t reg)
{
	*(volatile uint32_t *)(uintptr_t)IOAPIC_BASE = reg;
	return *(volatile uint32_t *)(uintptr_t)(IOAPIC_BASE + 0x10);
}

/* Writes GSI's entry (destination high half first) and checks L2 reads back what it wrote. */
static void route(unsigned gsi, uint32_t low, uint32_t dest_apic_id)
{
	uint32_t reg = 0x10 + 2 * gsi, got;

	ioapic_write(reg + 1, dest_apic_id << 24);
	ioapic_write(reg, low);
	got = ioapic_read(reg + 1);
	if (got != dest_apic_id << 24) {
		readback_ok = false;
		readback_bad_reg = reg + 1;
		readback_bad_got = got;
	}
	got = ioapic_read(reg) & ~RTE_READ_ONLY;
	if (got != low) {
		readback_ok = false;
		readback_bad_reg = reg;
		readback_bad_got = got;
	}
}

/*
 * The CPU a device's interrupt steered to CPU 'target' must arrive on: the
 * target itself, unless the hypervisor polices L2's routes and the target
 * breaks irq= (a shared device needs an intercepting CPU, a dedicated one
 * a direct CPU); then the first CPU that fits, if any does (hv/irq/route.c).
 */
static bool fits(unsigned cpu, bool shared)
{
	return !!(hv_start[cpu].flags & HC_IRQ_INTERCEPT) == shared;
}

static unsigned arrival_cpu(unsigned target, bool shared)
{
	if (!(hv_start[0].flags & HC_IRQ_ROUTES_POLICED) || fits(target, shared))
		return target;
	for (unsigned c = 0; c < NCPUS; c++)
		if (fits(c, shared))
			return c;
	return target;
}

/* COM1's transmitter-empty interrupt, SERIAL_IRQS times, steered to CPU 'target'. */
static bool serial_to(unsigned target)
{
	unsigned at = arrival_cpu(target, true);
	uint64_t base = seen[at].count[VEC_SERIAL];
	bool ok = true;

	serial_want[at] += SERIAL_IRQS;
	route(COM1_GSI, VEC_SERIAL, apic_ids[target]); /* fixed, physical, edge, high */
	outb(UART_MCR, inb(UART_MCR) | MCR_OUT2);
	__asm__ volatile("sti");
	for (unsigned i = 0; i < SERIAL_IRQS && ok; i++) {
		outb(UART_IER, IER_THRE);
		ok = wait_for(&seen[at].count[VEC_SERIAL], base + i + 1);
	}
	outb(UART_IER, 0);
	outb(UART_MCR, inb(UART_MCR) & ~MCR_OUT2);
	ioapic_write(0x10 + 2 * COM1_GSI, RTE_MASKED | VEC_SERIAL);
	return ok;
}

/* The PIT's channel 0 at about 1 kHz, PIT_IRQS ticks steered to CPU 'target'. */
static bool pit_to(unsigned target)
{
	unsigned at = arrival_cpu(target, false);
	bool ok;

	pit_want[at] += PIT_IRQS;
	pit_stop_at = pit_total + PIT_IRQS; /* the handler stops the PIT at the last tick */
	route(PIT_GSI, VEC_PIT, apic_ids[target]);
	__asm__ volatile("sti");
	outb(PIT_CMD, PIT_CH0_RATE);
	outb(PIT_CH0, PIT_DIVISOR & 0xff);
	outb(PIT_CH0, PIT_DIVISOR >> 8);
	ok = wait_for(&seen[at].count[VEC_PIT], pit_want[at]);
	outb(PIT_CMD, PIT_CH0_STOP);
	ioapic_write(0x10 + 2 * PIT_GSI, RTE_MASKED | VEC_PIT);
	return ok;
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
	CPU_CHECK("tpr", s->tpr_held == 0 && s->count[VEC_TPR] == 1,
		  "held_while_tpr_high=%lu delivered=%lu", s->tpr_held, s->count[VEC_TPR]);
	/* Natively the APIC holds VEC_PPR_LOW in the IRR until the PPR falls below its class. */
	CPU_CHECK("ppr-eoi", s->ppr_in_service[0] == 0 && s->ppr_after_drop[0] == 1,
		  "while_in_service=%lu after_eoi=%lu", s->ppr_in_service[0],
		  s->ppr_after_drop[0]);
	CPU_CHECK("ppr-tpr", s->ppr_in_service[1] == 0 && s->ppr_tpr_held[1] == 0 &&
		  s->ppr_after_drop[1] == 1 && s->count[VEC_PPR_LOW] == 2 &&
		  s->count[VEC_PPR_HIGH] == 2,
		  "while_in_service=%lu while_tpr_high=%lu after_tpr_low=%lu low=%lu high=%lu",
		  s->ppr_in_service[1], s->ppr_tpr_held[1], s->ppr_after_drop[1],
		  s->count[VEC_PPR_LOW], s->count[VEC_PPR_HIGH]);
	CPU_CHECK("serial", s->count[VEC_SERIAL] == serial_want[cpu], "got=%lu want=%lu",
		  s->count[VEC_SERIAL], serial_want[cpu]);
	CPU_CHECK("pit", s->count[VEC_PIT] == pit_want[cpu], "got=%lu want=%lu",
		  s->count[VEC_PIT], pit_want[cpu]);
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
		    "serial=%lu pit=%lu nmis=%lu nmi_max_depth=%lu handled=%lu hv_intercepted=%lu "
		    "hv_nmis=%lu", cpu, policy_of(after.flags), s->count[VEC_TIMER],
		    s->count[VEC_IPI], s->order[0], s->order[1], s->tpr_held,
		    s->count[VEC_SERIAL], s->count[VEC_PIT], s->nmis, s->nmi_max_depth, s->total,
		    intercepted, nmis);
#undef CPU_CHECK
	return ok;
}

/* The local interrupts of CPU 'cpu'. */
static bool test_cpu(unsigned cpu)
{
	bool ok = true;

	post(cpu, timer_job, cpu);
	ok &= cpu == 0 || ap_wait();
	ok &= run_pair(cpu, ipi_receiver, ipi_sender);
	ok &= run_pair(cpu, order_receiver, order_sender);
	ok &= run_pair(cpu, tpr_receiver, tpr_sender);
	ok &= ppr_pairs(cpu);
	ok &= run_pair(cpu, nmi_receiver, nmi_sender);
	__asm__ volatile("cli");
	return guest_check("jobs-finished", ok, "cpu=%u", cpu);
}

/* COM1 and the PIT steered to each CPU in turn, from the boot CPU. */
static bool test_devices(void)
{
	bool ok = true;
	char name[48];

	for (unsigned target = 0; target < NCPUS; target++) {
		hv_snprintf(name, sizeof(name), "serial-to-cpu%u", target);
		ok &= guest_check(name, serial_to(target), "arrival=%u", arrival_cpu(target, true));
		hv_snprintf(name, sizeof(name), "pit-to-cpu%u", target);
		ok &= guest_check(name, pit_to(target), "arrival=%u", arrival_cpu(target, false));
	}
	__asm__ volatile("cli");
	ok &= guest_check("ioapic-readback", readback_ok, "reg=%#lx got=%#lx", readback_bad_reg,
			  readback_bad_got);
	return ok;
}

bool guest_main(const char *cmdline)
{
	const char *err;
	bool ok = true;

	(void)cmdline;
	under_hv = hv_present();
	trap_set_gate(NMI_VECTOR, irqtest_nmi_entry);
	trap_set_gate(VEC_SERIAL, irqtest_entry_0x44);
	trap_set_gate(VEC_PIT, irqtest_entry_0x48);
	trap_set_gate(VEC_TIMER, irqtest_entry_0x50);
	trap_set_gate(VEC_IPI, irqtest_entry_0x60);
	trap_set_gate(VEC_LOW, irqtest_entry_0x61);
	trap_set_gate(VEC_TPR, irqtest_entry_0x65);
	trap_set_gate(VEC_HIGH, irqtest_entry_0x71);
	trap_set_gate(VEC_PPR_LOW, irqtest_entry_0x66);
	trap_set_gate(VEC_PPR_HIGH, irqtest_entry_0x91);
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
	for (unsigned cpu = 0; cpu < NCPUS; cpu++)
		hv_start[cpu] = hv_irq_info(cpu);
	guest_mline("irqtest-setup", "config=%s cpus=%u routes_policed=%u",
		    under_hv ? "hv" : "native", NCPUS,
		    !!(hv_start[0].flags & HC_IRQ_ROUTES_POLICED));
	for (unsigned cpu = 0; cpu < NCPUS && ok; cpu++)
		ok &= test_cpu(cpu);
	ok = ok && test_devices();
	ok &= msi_probe(apic_ids, NCPUS);
	ok &= msix_table_check(under_hv, apic_ids);
	ok &= ecam_window_check(under_hv);
	for (unsigned cpu = 0; cpu < NCPUS; cpu++)
		ok &= check_cpu(cpu, &hv_start[cpu]);
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
