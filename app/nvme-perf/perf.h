/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdk-nvme-perf: what its parts share. The options (perf_params.c), the
 * targets and workers that run the I/O (perf_run.c), and the latency
 * histograms, summaries and reports (perf_stats.c, perf_report.c).
 */
#ifndef PERF_H
#define PERF_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vdk_lcore.h"
#include "vdk_nvme.h"

#define PERF_MAX_TARGETS  16    /* -r strings */
#define PERF_MAX_NS       64    /* namespaces in one run */
#define PERF_MAX_QPAIRS   16    /* -P */

enum perf_pattern {
	PERF_READ = 0,
	PERF_WRITE,
	PERF_RANDREAD,
	PERF_RANDWRITE,
	PERF_RW,
	PERF_RANDRW,
};

/* One -r: a controller and, optionally, one namespace of it. */
struct perf_target {
	char traddr[32];
	uint32_t nsid;            /* 0: every active namespace */
};

struct perf_params {
	uint32_t depth;           /* -q, per namespace per core */
	uint32_t io_size;         /* -o, bytes */
	enum perf_pattern pattern; /* -w */
	int rwmixread;            /* -M, 0..100; -1 unset */
	uint32_t time_s;          /* -t */
	uint32_t warmup_s;        /* -a */
	uint64_t core_mask;       /* -c, 0: the main lcore */
	bool core_mask_set;
	uint32_t qpairs;          /* -P, per namespace per core */
	int latency;              /* -L: 1 summary, 2 histogram as well */
	bool verify;              /* --verify */
	bool intr;                /* --intr: interrupt-driven completions */
	bool continue_on_error;   /* --continue-on-error: an I/O error does not stop */
	const char *json;         /* --json FILE */
	const char *plot;         /* --plot FILE.svg; keeps the histogram without -L */
	struct perf_target targets[PERF_MAX_TARGETS];
	unsigned int nb_targets;
};

/*
 * Latency histogram in TSC ticks, log-linear: values below 2^SUB_BITS go
 * one to a bucket, above that each power of two splits into 2^SUB_BITS
 * buckets, so every bucket is within 1/32 (3%) of its values.
 */
#define PERF_HIST_SUB_BITS 5
#define PERF_HIST_RANGES   48
#define PERF_HIST_BUCKETS  ((PERF_HIST_RANGES + 1) << PERF_HIST_SUB_BITS)

struct perf_hist {
	uint64_t bucket[PERF_HIST_BUCKETS];
};

/* Distinct error statuses counted one by one; the rest go to other_errors. */
#define PERF_MAX_STATUS 8

/* Failed I/Os of one status: SCT and SC as the completion carries them. */
struct perf_status_count {
	uint16_t status;          /* status field, bits 1..11 (SC, SCT) only */
	uint64_t count;
};

/* Counters of one namespace on one core; written by that core only. */
struct perf_stats {
	_Atomic uint64_t ios;     /* completed without error */
	_Atomic uint64_t bytes;
	uint64_t errors;          /* completed with an error status */
	uint64_t verify_failures;
	uint64_t verify_writes;   /* --verify: writes completed, each then read back */
	uint64_t verify_reads;    /* --verify: read-backs compared with the pattern */
	uint64_t verify_read_errors; /* --verify: read-backs the device failed */
	uint64_t lat_sum;         /* ticks, of successful I/Os */
	uint64_t lat_min;
	uint64_t lat_max;
	/* Errors by status, in the order each status first came. */
	struct perf_status_count by_status[PERF_MAX_STATUS];
	uint64_t other_errors;    /* errors of statuses past PERF_MAX_STATUS */
	struct perf_hist *hist;   /* with -L */
};

struct perf_ns_ctx;

/* One I/O in flight, with its own buffer. */
struct perf_task {
	struct perf_ns_ctx *ctx;
	void *buf;
	uint64_t lba;
	uint64_t submit_tsc;
	uint32_t gen;             /* verify: which write the data must be */
	uint8_t phase;            /* verify: 0 writing, 1 reading back */
	bool is_read;
	unsigned int qp_idx;
	uint64_t region_lo;       /* verify: this task's own blocks */
	uint64_t region_n;        /* ...in I/O units */
};

/* A namespace as one core drives it. */
struct perf_ns_ctx {
	struct vdk_nvme_ns *ns;
	struct vdk_nvme_ctrlr *ctrlr;
	char name[64];            /* "PCIE (0000:00:04.0) NSID 1" */
	unsigned int lcore;
	struct vdk_nvme_qpair *qp[PERF_MAX_QPAIRS];
	unsigned int nb_qp;
	unsigned int next_qp;
	struct perf_task *tasks;
	unsigned int nb_tasks;
	unsigned int in_flight;
	uint32_t blocks_per_io;
	uint64_t units;           /* I/O-sized units in the namespace */
	uint64_t seq;             /* next unit for sequential patterns */
	uint64_t rng;
	bool failed;              /* the controller failed: no more I/O */
	bool stopped;             /* an I/O failed (no --continue-on-error): no new I/O */
	int fail_errno;
	unsigned int pending_retry; /* tasks to resubmit after -EAGAIN */
	struct perf_task **retry;
	struct perf_stats stats;
	struct perf_ns_ctx *next; /* on the same core */
};

struct perf_worker {
	unsigned int lcore;
	struct perf_ns_ctx *ctxs;
};

/*
 * IOPS over time for --plot: one sample an interval of the measured
 * window (100 ms, longer for runs past 100 s, so that a run never has
 * more than PERF_MAX_SAMPLES).
 */
#define PERF_MAX_SAMPLES 1024
#define PERF_SAMPLE_MS   100

struct perf_sample {
	double t_s;               /* end of the interval, seconds into the measurement */
	uint64_t ios;             /* completed without error in the interval */
};

/* The whole run. */
struct perf_run {
	struct perf_params *p;
	struct perf_worker workers[VDK_MAX_LCORE];
	unsigned int nb_workers;
	struct perf_ns_ctx *all[PERF_MAX_NS * VDK_MAX_LCORE];
	unsigned int nb_ctx;
	uint64_t tsc_hz;
	_Atomic uint64_t start_tsc;   /* measurement start, after warm-up */
	_Atomic uint64_t end_tsc;
	atomic_bool stop;             /* drain and return */
	atomic_bool measuring;
	double elapsed_s;             /* measured time */
	struct perf_sample samples[PERF_MAX_SAMPLES];
	unsigned int nb_samples;
	uint64_t sample_ticks;        /* the interval */
	uint64_t sample_tsc;          /* end of the last sample */
	uint64_t sample_ios;          /* I/Os counted up to it */
};

/* perf_params.c */
void perf_params_defaults(struct perf_params *p);
void perf_usage(FILE *f, const char *prog);
/* Parse perf's own options (argv[0] is the program). Returns 0, -EINVAL
 * with a message on stderr, or -ECANCELED after -h. */
int perf_params_parse(struct perf_params *p, int argc, char **argv);
/* Parse one -r string into @t. Returns 0 or -EINVAL with a message. */
int perf_parse_target(const char *s, struct perf_target *t);
int perf_parse_pattern(const char *s, enum perf_pattern *out);
const char *perf_pattern_name(enum perf_pattern pat);
/* -c MASK as SPDK reads it: hexadecimal, 0x optional, not 0. 0 or -EINVAL. */
int perf_parse_core_mask(const char *s, uint64_t *out);
/* The lcore list for the EAL's -l from -c MASK, or NULL without -c. */
int perf_core_mask_to_list(uint64_t mask, char *buf, size_t len);
int perf_find_core_mask(int argc, char **argv, uint64_t *mask);

/* perf_cmdline.c */
/*
 * The command line vdk_eal_init() gets: the program, EAL options, "--",
 * perf's options. From spdk_nvme_perf's command line (no "--" in it) the
 * EAL options are made from -c, -s, -r, -b, -i; from the EAL form one is
 * added: -l from perf's -c when the EAL's own -l is not there.
 */
struct perf_cmdline {
	int argc;
	char **argv;              /* NULL-terminated; the strings are argv's or below */
	bool spdk;                /* read as spdk_nvme_perf's */
	char lcores[256];
	char file_prefix[32];
	char allow[2 * PERF_MAX_TARGETS][32];
	unsigned int nb_allow;
};
/* Returns 0, or -EINVAL with the reason on stderr. */
int perf_cmdline_build(struct perf_cmdline *c, int argc, char **argv);
void perf_cmdline_free(struct perf_cmdline *c);

/* perf_run.c */
/* Resolve targets, check them against the controllers, make the queue
 * pairs and buffers. Returns 0 or -errno with a message. */
int perf_setup(struct perf_run *r, struct perf_params *p);
/* Run the workload: warm-up, measurement, a live line a second. */
int perf_execute(struct perf_run *r);
void perf_teardown(struct perf_run *r);
/* The pattern verify writes for @lba, generation @gen. */
void perf_fill_pattern(void *buf, uint32_t len, uint64_t lba, uint32_t gen);

/* perf_stats.c */
void perf_hist_add(struct perf_hist *h, uint64_t ticks);
uint64_t perf_hist_count(const struct perf_hist *h);
void perf_hist_merge(struct perf_hist *dst, const struct perf_hist *src);
/* Lowest and highest tick value bucket @i holds. */
void perf_hist_bucket_range(unsigned int i, uint64_t *lo, uint64_t *hi);
/* The value at fraction @q (0..1) of the recorded I/Os, in ticks. */
uint64_t perf_hist_percentile(const struct perf_hist *h, double q);
void perf_stats_reset(struct perf_stats *s);
/*
 * Did @s (of a --verify run) read back fewer blocks than it wrote? A
 * read-back the device failed was tried: it is an error, not a gap.
 */
static inline bool
perf_verify_short(const struct perf_stats *s)
{
	return s->verify_reads + s->verify_read_errors != s->verify_writes;
}
/* Count an I/O that completed with status field @status. */
void perf_stats_count_error(struct perf_stats *s, uint16_t status);
void perf_stats_merge(struct perf_stats *dst, const struct perf_stats *src);

/* perf_report.c */
struct perf_summary {
	double iops;
	double mibps;
	double mean_us;
	double min_us;
	double max_us;
	uint64_t ios;
	uint64_t errors;
};
void perf_summarize(const struct perf_stats *s, double seconds, uint64_t tsc_hz,
		    struct perf_summary *out);
/* The -L percentiles, as fractions. */
#define PERF_NB_PERCENTILES 14
extern const double perf_percentiles[PERF_NB_PERCENTILES];
double perf_ticks_us(const struct perf_run *r, uint64_t t);
/* Everything, summed over namespaces and cores, @hist (if any) included. */
void perf_run_total(const struct perf_run *r, struct perf_stats *tot, struct perf_hist *hist);
void perf_report_text(FILE *f, const struct perf_run *r);
int perf_report_json(const char *path, const struct perf_run *r);

/* perf_plot.c */
/*
 * --plot: an SVG of the latency histogram and CDF of every namespace and
 * core together (log scale, the -L percentiles marked) and of IOPS over
 * time. Returns 0 or -errno with a message.
 */
int perf_plot_svg(const char *path, const struct perf_run *r);

#endif /* PERF_H */
