/* libpcap's side of the filter benchmark (perf/filters.sh): the records of the 253 Ethernet files of
 * tests/data/filters/files.tsv (read with pcap_open_offline_with_tstamp_precision, nanoseconds, as the
 * ground truth was made), repeated COPIES times into one buffer in memory, filtered by
 * pcap_offline_filter with each expression's program (pcap_compile for EN10MB, snaplen 262144, optimize
 * on, netmask 0: what tcpdump does for a file). The same records in the same layout as the .NET side
 * (perf/SlimCap.Reactive.Benchmarks/Filtering/FilterRecords.cs): data bytes back to back, headers apart.
 *
 * Usage: pcapfilter REPO COPIES PASSES ID...   (ID: an id of expressions.tsv, or "all" for every valid one)
 * COPIES 1: the corpus once (2 MB, stays in the cache: the filter's own cost, as for records a reader has just
 * read); 64: 130 MB, past the caches (every record a cache miss). Either way a pass is 64 x 3,570 filter calls.
 * Prints per expression and pass: "filter id=ID copies=C pass=P records=N kept=K instructions=I cpu_ns_per_record=X
 * wall_ns_per_record=Y" (kept: per copy of the corpus),
 * then "compile pass=P expressions=E cpu_us_per_set=X" for pcap_compile over every valid expression. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_now(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static double wall_now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

/* A pass filters the corpus SET_COPIES times: COPIES copies in memory, each filtered SET_COPIES / COPIES times
 * (FilterRecords.SetCopies on the .NET side). */
#define SET_COPIES 64

struct expr { char id[64]; char text[512]; };

static struct pcap_pkthdr *hdr;
static size_t *off;
static size_t nrec, caprec;
static unsigned char *buf;
static size_t buflen, bufcap;

static void add(const struct pcap_pkthdr *h, const unsigned char *d) {
  if (nrec == caprec) { caprec = caprec ? caprec * 2 : 4096; hdr = realloc(hdr, caprec * sizeof *hdr); off = realloc(off, caprec * sizeof *off); }
  if (buflen + h->caplen > bufcap) { while (buflen + h->caplen > bufcap) bufcap = bufcap ? bufcap * 2 : 1 << 20; buf = realloc(buf, bufcap); }
  if (!hdr || !off || !buf) { fprintf(stderr, "out of memory\n"); exit(1); }
  memcpy(buf + buflen, d, h->caplen);
  hdr[nrec] = *h;
  off[nrec] = buflen;
  buflen += h->caplen;
  nrec++;
}

/* The rows of a tab-separated file after its header, split in place into at most max cells. */
static int cells(char *line, char **cell, int max) {
  int n = 0;
  line[strcspn(line, "\r\n")] = 0;
  while (n < max) { cell[n++] = line; char *t = strchr(line, '\t'); if (!t) break; *t = 0; line = t + 1; }
  return n;
}

int main(int argc, char **argv) {
  if (argc < 5) { fprintf(stderr, "usage: pcapfilter REPO COPIES PASSES ID...\n"); return 2; }
  const char *repo = argv[1];
  int copies = atoi(argv[2]), passes = atoi(argv[3]);
  if (copies < 1 || copies > SET_COPIES || SET_COPIES % copies != 0) { fprintf(stderr, "COPIES must divide %d\n", SET_COPIES); return 2; }
  int loops = SET_COPIES / copies;   /* every pass makes the same number of filter calls */
  char path[4096], line[8192], err[PCAP_ERRBUF_SIZE];
  char *c[8];

  snprintf(path, sizeof path, "%s/tests/data/filters/files.tsv", repo);
  FILE *f = fopen(path, "r");
  if (!f) { perror(path); return 1; }
  if (!fgets(line, sizeof line, f)) return 1;
  while (fgets(line, sizeof line, f)) {
    if (cells(line, c, 8) < 2 || !*c[0]) continue;
    char file[4096];
    snprintf(file, sizeof file, "%s/tests/data/corpus/files/%s", repo, c[0]);
    pcap_t *p = pcap_open_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) { fprintf(stderr, "%s\n", err); return 1; }
    struct pcap_pkthdr *h; const u_char *d; int r; size_t before = nrec;
    while ((r = pcap_next_ex(p, &h, &d)) == 1) add(h, d);
    pcap_close(p);
    if (nrec - before != strtoul(c[1], NULL, 10)) { fprintf(stderr, "%s: %zu records, files.tsv says %s\n", c[0], nrec - before, c[1]); return 1; }
  }
  fclose(f);
  size_t one = nrec;
  size_t onelen = buflen;
  caprec = one * (size_t)copies; bufcap = onelen * (size_t)copies;   /* reserve all: add() then never moves hdr or buf */
  hdr = realloc(hdr, caprec * sizeof *hdr); off = realloc(off, caprec * sizeof *off); buf = realloc(buf, bufcap);
  if (!hdr || !off || !buf) { fprintf(stderr, "out of memory\n"); return 1; }
  for (int k = 1; k < copies; k++)
    for (size_t i = 0; i < one; i++) add(&hdr[i], buf + off[i]);

  struct expr *ex = NULL; int nex = 0;
  snprintf(path, sizeof path, "%s/tests/data/filters/expressions.tsv", repo);
  if (!(f = fopen(path, "r"))) { perror(path); return 1; }
  if (!fgets(line, sizeof line, f)) return 1;
  while (fgets(line, sizeof line, f)) {
    if (cells(line, c, 8) < 4 || strcmp(c[3], "yes") != 0) continue;
    ex = realloc(ex, (nex + 1) * sizeof *ex);
    snprintf(ex[nex].id, sizeof ex[nex].id, "%s", c[0]);
    snprintf(ex[nex].text, sizeof ex[nex].text, "%s", c[2]);
    nex++;
  }
  fclose(f);

  pcap_t *dead = pcap_open_dead(DLT_EN10MB, 262144);
  for (int a = 4; a < argc; a++) {
    for (int e = 0; e < nex; e++) {
      if (strcmp(argv[a], "all") != 0 && strcmp(argv[a], ex[e].id) != 0) continue;
      struct bpf_program prog;
      if (pcap_compile(dead, &prog, ex[e].text, 1, 0) != 0) { fprintf(stderr, "%s: %s\n", ex[e].id, pcap_geterr(dead)); return 1; }
      for (int p = 0; p < passes; p++) {
        size_t kept = 0;
        double c0 = cpu_now(), w0 = wall_now();
        for (int l = 0; l < loops; l++)
          for (size_t i = 0; i < nrec; i++) kept += pcap_offline_filter(&prog, &hdr[i], buf + off[i]) != 0;
        double cs = cpu_now() - c0, ws = wall_now() - w0;
        size_t calls = nrec * (size_t)loops;
        printf("filter id=%s copies=%d pass=%d records=%zu kept=%zu instructions=%u cpu_ns_per_record=%.3f wall_ns_per_record=%.3f\n",
               ex[e].id, copies, p + 1, nrec, kept / SET_COPIES, prog.bf_len, cs * 1e9 / calls, ws * 1e9 / calls);
      }
      pcap_freecode(&prog);
    }
  }
  for (int p = 0; p < passes; p++) {
    double c0 = cpu_now();
    for (int e = 0; e < nex; e++) {
      struct bpf_program prog;
      if (pcap_compile(dead, &prog, ex[e].text, 1, 0) != 0) { fprintf(stderr, "%s: %s\n", ex[e].id, pcap_geterr(dead)); return 1; }
      pcap_freecode(&prog);
    }
    printf("compile pass=%d expressions=%d cpu_us_per_set=%.1f\n", p + 1, nex, (cpu_now() - c0) * 1e6);
  }
  pcap_close(dead);
  return 0;
}
