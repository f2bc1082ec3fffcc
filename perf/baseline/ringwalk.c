/* The C baseline of the in-memory micro-benchmarks: ringcount's (shared/bench/peers/ringcount.c)
 * block walk, over a TPACKET_V3 ring image in process memory laid out exactly as the kernel's
 * tpacket_rcv lays it out and as SlimCap.Reactive's RingImageSource does (4 blocks of 1 MiB, 64-byte
 * frames, mac offset TPACKET_ALIGN(68 + max(14, 16)) - 14 = 82, 16-byte aligned slots). After each
 * block is handed back (TP_STATUS_KERNEL) it is republished unchanged (TP_STATUS_USER), as the
 * image's replay mode does, so the stream is endless.
 * Per packet: count, add tp_snaplen, add the first byte at tp_mac. No more, no less.
 * Usage: ringwalk [PACKETS=50000000] [PASSES=5] [FRAME=64] [BLOCK=1048576] [BLOCKS=4]
 * Prints one line per pass and a summary: ns_per_pkt min/median (CPU time of the process). */
#include <linux/if_packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_now(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }
#define ALIGN16(x) (((x) + 15u) & ~15u)

int main(int argc, char **argv) {
  unsigned long long want = argc > 1 ? strtoull(argv[1], 0, 10) : 50000000ULL;
  int passes = argc > 2 ? atoi(argv[2]) : 5, frame = argc > 3 ? atoi(argv[3]) : 64;
  unsigned bsize = argc > 4 ? (unsigned)atoi(argv[4]) : 1u << 20, bcount = argc > 5 ? (unsigned)atoi(argv[5]) : 4;
  unsigned char *ring = aligned_alloc(4096, (size_t)bsize * bcount);
  memset(ring, 0, (size_t)bsize * bcount);
  unsigned macoff = ALIGN16(48 + 20 + 16) - 14, slot = ALIGN16(macoff + frame), per = 0;
  unsigned char pkt[2048] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00, 0x45};
  for (unsigned b = 0; b < bcount; b++) { /* fill every block as the kernel would */
    unsigned char *blk = ring + (size_t)b * bsize;
    struct tpacket_block_desc *d = (void *)blk;
    unsigned pos = 48, n = 0, last = 0;
    while (pos + macoff + frame <= bsize) {
      struct tpacket3_hdr *h = (void *)(blk + pos);
      if (n) ((struct tpacket3_hdr *)(blk + last))->tp_next_offset = pos - last;
      h->tp_snaplen = h->tp_len = frame; h->tp_mac = macoff; h->tp_net = macoff + 14; h->tp_status = TP_STATUS_USER;
      blk[pos + 48 + 10] = PACKET_OTHERHOST;
      memcpy(blk + pos + macoff, pkt, frame);
      last = pos; pos += slot; n++;
    }
    d->version = 1; d->offset_to_priv = 48; d->hdr.bh1.num_pkts = n; d->hdr.bh1.offset_to_first_pkt = 48;
    d->hdr.bh1.blk_len = pos; d->hdr.bh1.seq_num = b + 1; d->hdr.bh1.block_status = TP_STATUS_USER;
    per = n;
  }
  double *ns = calloc(passes, sizeof *ns);
  unsigned long long seq = bcount, total_touch = 0;
  unsigned blk = 0;
  for (int p = 0; p < passes; p++) {
    unsigned long long n = 0, bytes = 0, touch = 0;
    double c0 = cpu_now();
    while (n < want) {
      struct tpacket_block_desc *b = (void *)(ring + (size_t)blk * bsize);
      if (!(__atomic_load_n(&b->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) continue;
      struct tpacket3_hdr *h = (void *)((unsigned char *)b + b->hdr.bh1.offset_to_first_pkt);
      for (unsigned i = 0; i < b->hdr.bh1.num_pkts; i++) { n++; bytes += h->tp_snaplen; touch += ((unsigned char *)h)[h->tp_mac]; h = (void *)((unsigned char *)h + h->tp_next_offset); }
      __atomic_store_n(&b->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
      /* the producer's side of replay: republish the block unchanged */
      b->hdr.bh1.seq_num = ++seq;
      __atomic_store_n(&b->hdr.bh1.block_status, TP_STATUS_USER, __ATOMIC_RELEASE);
      blk = (blk + 1) % bcount;
    }
    ns[p] = (cpu_now() - c0) * 1e9 / n;
    total_touch += touch;
    printf("pass %d packets=%llu bytes=%llu touch=%llu ns_per_pkt=%.2f\n", p + 1, n, bytes, touch, ns[p]);
  }
  qsort(ns, passes, sizeof *ns, cmp);
  printf("c-ringwalk frame=%d slot=%u packets_per_block=%u blocks=%u block_size=%u passes=%d ns_per_pkt_min=%.2f ns_per_pkt_median=%.2f\n",
         frame, slot, per, bcount, bsize, passes, ns[0], ns[passes / 2]);
  return total_touch == 0;
}
