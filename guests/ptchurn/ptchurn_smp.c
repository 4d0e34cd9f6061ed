/*
 * ptchurn_smp.c - cpus=2: the churn guest with a second CPU, for shadow
 * and hybrid paging on more than one vCPU (the tables shared, each vCPU on
 * its own root). Three tests:
 *   smp-shootdown  the boot CPU remaps a page of a space both CPUs run in
 *                  and shoots it down (the second CPU's INVLPG, asked for
 *                  through memory): the second CPU reads the new frame;
 *   smp-newtable   the second CPU holds a writable translation of a page
 *                  the boot CPU then makes a page table (of two spaces);
 *                  the second CPU writes an entry of it through that
 *                  translation: after a CR3 load the boot CPU must see the
 *                  new entry in both spaces. Under shadow paging this holds
 *                  only if the hypervisor shot the stale writable
 *                  translation down when the page became a table;
 *   smp-parallel   both CPUs remap, shoot down and read in spaces of their
 *                  own at once, every read checked.
 * The second CPU runs jobs posted through memory; it never prints unless a
 * read is wrong.
 */
#include "apic.h"
#include "guest.h"
#include "ptchurn.h"
#include "smp.h"
#include "x86.h"

#define SHOOT_ROUNDS 64
#define PAR_ROUNDS 256
#define TABLE_VA_PAGE 1024u       /* window page 1024: PD entry 2 (4 MiB up) */
#define HOLD_PAGE (WINDOW - 1)    /* the second CPU's window onto the new table */
#define FRAME_OLD 10
#define FRAME_NEW 11

static table_t new_table;
static void (*volatile ap_job)(void);
static volatile bool ap_done, holding, release;
static volatile unsigned job_page, job_frame;
static unsigned ap_bad;

/* Second CPU: run each job posted, then report. */
static void ap_main(unsigned index)
{
	(void)index;
	for (;;) {
		while (!ap_job)
			__asm__ volatile("pause");
		ap_job();
		ap_job = NULL;
		ap_done = true;
	}
}

/* Posts job to the second CPU and waits for it. */
static void run_on_ap(void (*job)(void))
{
	ap_done = false;
	ap_job = job;
	while (!ap_done)
		__asm__ volatile("pause");
}

static void ap_read(void)
{
	if (read_cr3() != pa(pml4[0]))
		write_cr3(pa(pml4[0]));
	ap_bad += !ptchurn_check_read(0, job_page, job_frame);
}

static void ap_flush_read(void)
{
	invlpg(window(job_page));
	ap_bad += !ptchurn_check_read(0, job_page, job_frame);
}

static bool smp_shootdown(void)
{
	unsigned old[WINDOW];

	ap_bad = 0;
	write_cr3(pa(pml4[0]));
	for (unsigned i = 0; i < WINDOW; i++) {
		pt[0][i] = pa(frames[i]) | P_RW;
		invlpg(window(i));
		old[i] = i;
	}
	for (unsigned r = 0; r < SHOOT_ROUNDS; r++) {
		unsigned i = r % WINDOW, f = (r * 5 + 17) % FRAMES;

		job_page = i;
		job_frame = old[i];
		run_on_ap(ap_read);                  /* its TLB holds the old frame */
		pt[0][i] = pa(frames[f]) | P_RW;
		invlpg(window(i));
		job_frame = f;
		run_on_ap(ap_flush_read);
		old[i] = f;
	}
	return guest_check("ptchurn-smp-shootdown", !ap_bad, "%u remaps read by the other CPU, "
			   "%u bad reads", SHOOT_ROUNDS, ap_bad);
}

/* Second CPU: keep writing through the window page onto new_table, then write its entry 0. */
static void ap_hold_and_write(void)
{
	volatile uint64_t *w = window(HOLD_PAGE);

	if (read_cr3() != pa(pml4[0]))
		write_cr3(pa(pml4[0]));
	invlpg(w);
	w[511] = 0;
	holding = true;
	while (!release)
		w[511] = 0; /* an entry no test uses: 0 keeps it not present */
	w[0] = pa(frames[FRAME_NEW]) | P_RW;
}

static bool smp_newtable(void)
{
	bool before = true, after = true;

	write_cr3(pa(pml4[0]));
	for (unsigned k = 0; k < 512; k++) /* data so far, written through the boot map */
		((volatile uint64_t *)new_table)[k] = 0;
	pt[0][HOLD_PAGE] = pa(new_table) | P_RW;
	invlpg(window(HOLD_PAGE));
	holding = release = false;
	ap_done = false;
	ap_job = ap_hold_and_write;
	while (!holding)
		__asm__ volatile("pause");
	/* new_table becomes the page table of 4 MiB up in spaces 0 and 1 */
	((volatile uint64_t *)new_table)[0] = pa(frames[FRAME_OLD]) | P_RW;
	pd[0][2] = pa(new_table) | P_RW;
	pd[1][2] = pa(new_table) | P_RW;
	before &= ptchurn_check_read(0, TABLE_VA_PAGE, FRAME_OLD);
	write_cr3(pa(pml4[1]));
	before &= ptchurn_check_read(1, TABLE_VA_PAGE, FRAME_OLD);
	write_cr3(pa(pml4[0]));
	release = true;
	while (!ap_done)
		__asm__ volatile("pause");
	/* the other CPU wrote entry 0: a CR3 load must find it in either space */
	write_cr3(pa(pml4[1]));
	after &= ptchurn_check_read(1, TABLE_VA_PAGE, FRAME_NEW);
	write_cr3(pa(pml4[0]));
	after &= ptchurn_check_read(0, TABLE_VA_PAGE, FRAME_NEW);
	pd[0][2] = pd[1][2] = 0;
	pt[0][HOLD_PAGE] = pa(frames[HOLD_PAGE]) | P_RW;
	invlpg(window(HOLD_PAGE));
	invlpg(window(TABLE_VA_PAGE));
	return guest_check("ptchurn-smp-newtable", before && after, "before=%d after=%d entry=%#lx",
			   before, after, ((volatile uint64_t *)new_table)[0]);
}

/* One CPU's half of smp-parallel: spaces first..first+3. */
static unsigned churn(unsigned first)
{
	unsigned bad = 0;

	for (unsigned r = 0; r < PAR_ROUNDS; r++) {
		unsigned s = first + r % 4, i = (r / 4) % WINDOW, f = (s * 11 + i * 7 + r) % FRAMES;

		write_cr3(pa(pml4[s]));
		pt[s][i] = pa(frames[f]) | P_RW;
		invlpg(window(i));
		bad += !ptchurn_check_read(s, i, f);
	}
	return bad;
}

static void ap_churn(void)
{
	ap_bad = churn(4);
}

static bool smp_parallel(void)
{
	unsigned bad;

	ap_done = false;
	ap_job = ap_churn;
	bad = churn(0);
	while (!ap_done)
		__asm__ volatile("pause");
	return guest_check("ptchurn-smp-parallel", !bad && !ap_bad, "%u rounds per CPU, bad "
			   "reads: %u here, %u on the other CPU", PAR_ROUNDS, bad, ap_bad);
}

bool ptchurn_smp(void)
{
	const char *err = apic_init(0xff);
	uint32_t me, other;
	bool ok;

	if (!guest_check("ptchurn-smp-apic", !err, "%s", err ? err : "xAPIC on"))
		return false;
	me = smp_apic_id();
	other = me == 0 ? 1 : 0; /* Bochs numbers its CPUs 0, 1, ... */
	if (!guest_check("ptchurn-smp-start", smp_start_cpu(other, 1, ap_main), "apic_id=%u",
			 other))
		return false;
	ok = smp_shootdown();
	ok &= smp_newtable();
	ok &= smp_parallel();
	return ok;
}
