/*
 * uart16550.c - 115200 8N1, FIFOs on, polled transmit; '\n' becomes "\r\n"
 * so a terminal shows the log as a file does.
 */
#include "lib/uart16550.h"
#include "x86.h"

enum {
	UART_THR = 0, UART_DLL = 0, UART_IER = 1, UART_DLM = 1, UART_FCR = 2,
	UART_LCR = 3, UART_MCR = 4, UART_LSR = 5,
};
#define LSR_THR_EMPTY 0x20
#define LSR_TX_IDLE 0x40 /* THR and shift register both empty */
#define LCR_DLAB 0x80
#define LCR_8N1 0x03

void uart_init(uint16_t port)
{
	outb(port + UART_IER, 0x00);
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DLL, 1); /* 115200 / 1 */
	outb(port + UART_DLM, 0);
	outb(port + UART_LCR, LCR_8N1);
	outb(port + UART_FCR, 0x07); /* enable and clear both FIFOs */
	outb(port + UART_MCR, 0x03); /* DTR, RTS */
}

/* Bounded wait for an LSR bit: a missing UART must not hang anyone. */
static void wait_lsr(uint16_t port, uint8_t bit)
{
	for (int spin = 0; spin < 100000; spin++)
		if (inb(port + UART_LSR) & bit)
			break;
}

static void uart_putc(uint16_t port, char c)
{
	wait_lsr(port, LSR_THR_EMPTY);
	outb(port + UART_THR, (uint8_t)c);
}

void uart_flush(uint16_t port)
{
	wait_lsr(port, LSR_TX_IDLE);
}

void uart_write(uint16_t port, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart_putc(port, '\r');
		uart_putc(port, s[i]);
	}
}
