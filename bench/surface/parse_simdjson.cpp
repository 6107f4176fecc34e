// parse_simdjson.cpp - the parse-only figure of simdjson (libsimdjson-dev) over the same file,
// for the comparison in bench/surface/README.md: every line through the DOM parser (a full
// parse, as tk_jdoc_parse does), or through the on-demand API reading only the members the
// zgrab2 reader looks at first (ip, data.*.result.response.body). Not part of tenken: built
// by bench/surface/run (PARSERS=1) only when simdjson's header is installed.
//   parse_simdjson dom|ondemand FILE
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

static bool ondemand_line(simdjson::ondemand::parser &p, const char *s, size_t n, size_t &sum)
{
    simdjson::ondemand::document doc;
    if (p.iterate(s, n, n + simdjson::SIMDJSON_PADDING).get(doc))
        return false;
    std::string_view ip;
    if (doc["ip"].get_string().get(ip))
        return false;
    sum += ip.size();
    simdjson::ondemand::object data;
    if (doc["data"].get_object().get(data))
        return false;
    for (auto field : data) {
        simdjson::ondemand::object mod;
        simdjson::ondemand::value result, resp;
        std::string_view body;
        if (field.value().get_object().get(mod) || mod["result"].get(result) ||
            result["response"].get(resp))
            continue;
        if (!resp["body"].get_string().get(body))
            sum += body.size();
    }
    return true;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: parse_simdjson dom|ondemand FILE\n");
        return 2;
    }
    std::string mode = argv[1];
    std::FILE *f = std::fopen(argv[2], "rb");
    if (!f) {
        std::perror(argv[2]);
        return 2;
    }
    // 64 MiB chunks of whole lines, each followed by the padding simdjson reads past the end
    const size_t cap = size_t(64) << 20;
    std::vector<char> buf(cap + simdjson::SIMDJSON_PADDING);
    simdjson::dom::parser dp;
    simdjson::ondemand::parser op;
    size_t len = 0, bytes = 0, records = 0, refused = 0, sum = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (bool eof = false; !eof;) {
        size_t k = std::fread(buf.data() + len, 1, cap - len, f);
        eof = k == 0;
        len += k;
        bytes += k;
        const char *p = buf.data(), *end = p + len;
        while (p < end) {
            const char *nl = static_cast<const char *>(std::memchr(p, '\n', end - p));
            if (!nl && !eof)
                break;
            if (!nl)
                nl = end;
            size_t n = nl - p;
            if (n) {
                records++;
                bool ok;
                if (mode == "dom") {
                    simdjson::dom::element e;
                    ok = !dp.parse(p, n, false).get(e);
                } else {
                    ok = ondemand_line(op, p, n, sum);
                }
                refused += !ok;
            }
            p = nl + 1;
        }
        len = p < end ? end - p : 0;
        std::memmove(buf.data(), p < end ? p : buf.data(), len);
        if (len == cap)
            break;
    }
    std::fclose(f);
    double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr,
                 "simdjson %s (%s): %zu records, %zu refused, %.1f MB in %.2f s: %.1f MB/s, %.0f "
                 "records/s\n",
                 mode.c_str(), std::string(simdjson::get_active_implementation()->name()).c_str(),
                 records, refused, bytes / 1e6, dt, bytes / 1e6 / dt, records / dt);
    return sum == size_t(-1);
}
