#!/usr/bin/env python3
"""The filter's plan cache (FilterPlanCache=, docs/filter.md "eighteenth
round: plan cache"): the first start builds the prefilter plan and writes
it, a restart with the same rules reads it, a damaged file is logged,
rebuilt and replaced, and `off` writes nothing."""
import os

from vakttest import VaktTestCase, main


class PlanCache(VaktTestCase):
    def start_stop(self, **kw):
        d = self.vaktd(**kw).start()
        d.stop()
        return d.log()

    def plan_file(self):
        return os.path.join(self.tmp, "state", "filter-plan")

    def test_restart_reads_the_plan(self):
        log = self.start_stop()
        self.assertIn("filter plan cache %s absent; plan built and written" % self.plan_file(), log)
        self.assertTrue(os.path.exists(self.plan_file()))
        log = self.start_stop()
        self.assertIn("filter plan cache %s read" % self.plan_file(), log)
        self.assertNotIn("plan built", log)

    def test_damaged_file_is_rebuilt(self):
        self.start_stop()
        with open(self.plan_file(), "r+b") as f:
            size = os.fstat(f.fileno()).st_size
            f.seek(size // 2)
            b = f.read(1)
            f.seek(size // 2)
            f.write(bytes([b[0] ^ 0x40]))
        log = self.start_stop()
        self.assertIn("notice: filter plan cache %s not used: checksum mismatch; "
                      "plan built and written" % self.plan_file(), log)
        with open(self.plan_file(), "r+b") as f:
            f.truncate(1000)
        log = self.start_stop()
        self.assertIn("not used: file truncated; plan built and written", log)
        log = self.start_stop()
        self.assertIn("filter plan cache %s read" % self.plan_file(), log)

    def test_cache_directory_and_off(self):
        cache = os.path.join(self.tmp, "cache")
        os.mkdir(cache)
        log = self.start_stop(env={"CACHE_DIRECTORY": cache})
        self.assertIn("plan built and written", log)
        self.assertTrue(os.path.exists(os.path.join(cache, "filter-plan")))
        self.assertFalse(os.path.exists(self.plan_file()))
        conf = os.path.join(self.config_dir, "vaktd.conf")
        with open(conf, encoding="utf-8") as f:
            text = f.read()
        with open(conf, "w", encoding="utf-8") as f:
            f.write(text.replace("[Daemon]\n", "[Daemon]\nFilterPlanCache=off\n", 1))
        log = self.start_stop()
        self.assertNotIn("plan cache", log)
        self.assertFalse(os.path.exists(self.plan_file()))


if __name__ == "__main__":
    main()
