"""Process sampling: /proc/<pid>/stat lines with their command lines, summed per service."""

from jitsi_shards_loadtest import sampler


def stat(pid, comm, utime, stime, rss_pages):
    # Fields after the command: state(3) ... utime(14) stime(15) ... rss(24).
    rest = ["S"] + ["0"] * 10 + [str(utime), str(stime)] + ["0"] * 8 + [str(rss_pages)] + ["0"] * 5
    return f"{pid} ({comm}) " + " ".join(rest)


LISTING = "\n".join([
    stat(10, "lua5.4", 300, 100, 1000) + "|lua5.4 /usr/bin/prosody -F ",
    stat(11, "python3", 50, 50, 2000) + "|/usr/bin/python3 -m jitsi_standin.jicofo ",
    stat(12, "java", 10, 0, 3000) + "|java -Xmx3072m -cp /usr/share/jicofo/jicofo.jar org.jitsi.jicofo.Main ",
    stat(13, "nginx", 1, 1, 100) + "|nginx: master process /usr/sbin/nginx -g daemon on; ",
    stat(14, "nginx", 20, 10, 200) + "|nginx: worker process ",
    stat(15, "haproxy", 5, 5, 300) + "|/usr/sbin/haproxy -Ws -f /etc/haproxy/haproxy.cfg ",
    stat(16, "python3", 999, 999, 999) + "|/usr/bin/python3(mitogen:root@vm:1) ",
    stat(17, "my (odd) name", 1, 1, 1) + "|sleep 100 ",
    "garbage line",
])


def test_services_are_told_apart_by_command_line():
    totals = sampler.parse_processes(LISTING)
    assert totals == {"prosody": (400, 4000), "jicofo": (110, 20000), "nginx": (32, 1200), "haproxy": (10, 1200)}


def test_cpu_is_the_tick_delta_over_wall_time():
    before = {"prosody": (400, 4000), "nginx": (32, 1200)}
    after = {"prosody": (500, 4100), "nginx": (32, 1200), "haproxy": (10, 100)}
    assert sampler.cpu_percent(before, after, 2.0) == {"prosody": 50.0, "nginx": 0.0}
    assert sampler.cpu_percent(before, after, 0) == {}


def test_the_default_command_names_the_host():
    assert "docker exec {host} " in sampler.DEFAULT_COMMAND
    assert sampler.DEFAULT_COMMAND.format(host="lab-a-signal").startswith("docker exec lab-a-signal sh -c ")
