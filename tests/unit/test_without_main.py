"""`without_main` leaves the main module out of what a spawned child prepares from, only
inside its blocks, however they nest across threads."""

from __future__ import annotations

import threading
from multiprocessing import spawn

from sim.runner.workers import MAIN_KEYS, without_main


def main_keys() -> set[str]:
    return set(spawn.get_preparation_data("child")) & set(MAIN_KEYS)


def test_the_main_module_is_left_out_inside_the_block_only():
    assert main_keys()  # pytest's main module is found by its path or its name
    with without_main():
        assert not main_keys()
    assert main_keys()


def test_blocks_that_overlap_in_threads_restore_it_when_the_last_ends():
    entered, leave = threading.Event(), threading.Event()

    def other() -> None:
        with without_main():
            entered.set()
            leave.wait(5)

    thread = threading.Thread(target=other)
    with without_main():
        thread.start()
        entered.wait(5)
    assert not main_keys()  # the other thread's block still holds it
    leave.set()
    thread.join(5)
    assert main_keys()
