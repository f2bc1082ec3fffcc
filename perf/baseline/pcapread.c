/* libpcap's file-read loop, the peer of the file-read benchmark: pcap_open_offline + pcap_next_ex,
 * touching each record's captured length and first byte (as every capturer here does).
 * Usage: pcapread FILE [PASSES=5]   (each pass reopens the file; the file should be in the page cache)
 * MEM=1: the file is loaded into memory once and each pass reads it through fmemopen (the C baseline of
 * the in-memory file micro-benchmark).
 * Prints one line per pass (records, CPU ns/record, records/s of CPU) and a median summary. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>

static double cpu_now(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static double wall_now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: pcapread FILE [PASSES]\n"); return 2; }
  int passes = argc > 2 ? atoi(argv[2]) : 5;
  double *ns = calloc(passes, sizeof *ns);
  unsigned long long n = 0;
  char *mem = NULL; size_t memlen = 0;
  const char *m = getenv("MEM");
  if (m && *m == '1') {
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 1; }
    fseek(f, 0, SEEK_END); memlen = (size_t)ftell(f); fseek(f, 0, SEEK_SET);
    mem = malloc(memlen);
    if (fread(mem, 1, memlen, f) != memlen) { perror("fread"); return 1; }
    fclose(f);
  }
  for (int p = 0; p < passes; p++) {
    char err[PCAP_ERRBUF_SIZE];
    double c0 = cpu_now(), w0 = wall_now();
    pcap_t *pc = mem ? pcap_fopen_offline(fmemopen(mem, memlen, "rb"), err) : pcap_open_offline(argv[1], err);
    if (!pc) { fprintf(stderr, "%s\n", err); return 1; }
    struct pcap_pkthdr *h; const u_char *d;
    unsigned long long bytes = 0, touch = 0; n = 0;
    int r;
    while ((r = pcap_next_ex(pc, &h, &d)) == 1) { n++; bytes += h->caplen; touch += d[0]; }
    if (r == PCAP_ERROR) { fprintf(stderr, "%s\n", pcap_geterr(pc)); return 1; }
    pcap_close(pc);
    double c = cpu_now() - c0, w = wall_now() - w0;
    ns[p] = c * 1e9 / n;
    printf("pass %d records=%llu bytes=%llu touch=%llu cpu_s=%.3f wall_s=%.3f cpu_ns_per_record=%.2f records_per_s=%.0f\n",
           p + 1, n, bytes, touch, c, w, ns[p], n / w);
  }
  qsort(ns, passes, sizeof *ns, cmp);
  printf("libpcap-next_ex%s records=%llu passes=%d cpu_ns_per_record_min=%.2f cpu_ns_per_record_median=%.2f\n", mem ? "-mem" : "", n, passes, ns[0], ns[passes / 2]);
  return 0;
}
