/*
 * Starts librdkafka's mock Kafka cluster on loopback for the Kafka test suite.
 *
 *   mock-cluster [--brokers N] [topic:partitions ...]
 *
 * Prints the bootstrap servers as one line on stdout, then serves until stdin closes
 * (the parent test process died or let go) or SIGTERM/SIGINT arrives.
 *
 * Fault injection, one command per stdin line, each answered by one stdout line ("ok" or "error ..."):
 *   errors <ApiKey> <error code> <count>   the next <count> requests of that type fail with the code
 *   down <broker id|-1>                    disconnect a broker and refuse new connections
 *   up <broker id|-1>                      accept connections again
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static volatile sig_atomic_t stopping = 0;

static void on_signal(int sig) {
        (void)sig;
        stopping = 1;
}

static int parse_topic(const char *arg, char *name, size_t name_size, int *partitions) {
        const char *colon = strrchr(arg, ':');
        size_t len = colon ? (size_t)(colon - arg) : strlen(arg);
        if (len == 0 || len >= name_size) return -1;
        memcpy(name, arg, len);
        name[len] = '\0';
        *partitions = colon ? atoi(colon + 1) : 1;
        return *partitions > 0 ? 0 : -1;
}

static void run_command(rd_kafka_mock_cluster_t *mcluster, char *line) {
        char verb[16];
        int a = 0, b = 0, c = 0;
        int n = sscanf(line, "%15s %d %d %d", verb, &a, &b, &c);
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
        if (n == 4 && strcmp(verb, "errors") == 0 && c > 0 && c <= 1000) {
                rd_kafka_resp_err_t errors[1000];
                for (int i = 0; i < c; i++) errors[i] = (rd_kafka_resp_err_t)b;
                rd_kafka_mock_push_request_errors_array(mcluster, (int16_t)a, (size_t)c, errors);
        } else if (n == 2 && strcmp(verb, "down") == 0) {
                err = rd_kafka_mock_broker_set_down(mcluster, a);
        } else if (n == 2 && strcmp(verb, "up") == 0) {
                err = rd_kafka_mock_broker_set_up(mcluster, a);
        } else {
                printf("error unknown command: %s\n", line);
                fflush(stdout);
                return;
        }
        if (err) printf("error %s\n", rd_kafka_err2str(err));
        else printf("ok\n");
        fflush(stdout);
}

int main(int argc, char **argv) {
        int broker_cnt = 1;
        int first_topic = 1;
        if (argc > 2 && strcmp(argv[1], "--brokers") == 0) {
                broker_cnt = atoi(argv[2]);
                first_topic = 3;
        }
        if (broker_cnt < 1) {
                fprintf(stderr, "mock-cluster: --brokers needs a positive number\n");
                return 2;
        }

        char errstr[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        /* The handle only hosts the mock brokers' threads; it never connects anywhere. */
        if (rd_kafka_conf_set(conf, "bootstrap.servers", "", errstr, sizeof errstr) != RD_KAFKA_CONF_OK ||
            rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
                fprintf(stderr, "mock-cluster: %s\n", errstr);
                return 1;
        }
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
        if (!rk) {
                fprintf(stderr, "mock-cluster: rd_kafka_new: %s\n", errstr);
                return 1;
        }

        /* Mock brokers listen on 127.0.0.1 with ephemeral ports. */
        rd_kafka_mock_cluster_t *mcluster = rd_kafka_mock_cluster_new(rk, broker_cnt);
        if (!mcluster) {
                fprintf(stderr, "mock-cluster: rd_kafka_mock_cluster_new failed\n");
                rd_kafka_destroy(rk);
                return 1;
        }

        int replication = broker_cnt < 3 ? broker_cnt : 3;
        for (int i = first_topic; i < argc; i++) {
                char name[256];
                int partitions;
                if (parse_topic(argv[i], name, sizeof name, &partitions) != 0) {
                        fprintf(stderr, "mock-cluster: bad topic argument '%s' (want name:partitions)\n", argv[i]);
                        return 2;
                }
                rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mcluster, name, partitions, replication);
                if (err) {
                        fprintf(stderr, "mock-cluster: topic %s: %s\n", name, rd_kafka_err2str(err));
                        return 1;
                }
        }

        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);

        printf("%s\n", rd_kafka_mock_cluster_bootstraps(mcluster));
        fflush(stdout);

        struct pollfd in = { .fd = STDIN_FILENO, .events = POLLIN };
        char line[1024];
        size_t used = 0;
        while (!stopping) {
                int ready = poll(&in, 1, 200);
                if (ready < 0 && errno != EINTR) break;
                if (ready <= 0) continue;
                ssize_t n = read(STDIN_FILENO, line + used, sizeof line - 1 - used);
                if (n <= 0) break; /* EOF: the parent went away */
                used += (size_t)n;
                line[used] = '\0';
                char *start = line, *nl;
                while ((nl = strchr(start, '\n')) != NULL) {
                        *nl = '\0';
                        if (nl > start) run_command(mcluster, start);
                        start = nl + 1;
                }
                used = strlen(start);
                memmove(line, start, used);
                if (used == sizeof line - 1) used = 0; /* an overlong line is dropped */
        }

        rd_kafka_mock_cluster_destroy(mcluster);
        rd_kafka_destroy(rk);
        return 0;
}
