"""The device state machine: every legal move is allowed, every other move is refused, observers see moves."""

from __future__ import annotations

import itertools

import pytest

from drivers.state import LEGAL_TRANSITIONS, DeviceState, DeviceStateMachine, IllegalTransition


def _machine_in(state: DeviceState) -> DeviceStateMachine:
    """Walk a fresh machine to `state` along legal moves."""
    paths = {
        DeviceState.CLOSED: [],
        DeviceState.IDLE: [DeviceState.IDLE],
        DeviceState.AWAITING_FINGER: [DeviceState.IDLE, DeviceState.AWAITING_FINGER],
        DeviceState.CAPTURING: [DeviceState.IDLE, DeviceState.AWAITING_FINGER, DeviceState.CAPTURING],
        DeviceState.DONE: [DeviceState.IDLE, DeviceState.AWAITING_FINGER, DeviceState.CAPTURING, DeviceState.DONE],
        DeviceState.ERROR: [DeviceState.IDLE, DeviceState.ERROR],
    }
    machine = DeviceStateMachine("test")
    for step in paths[state]:
        machine.move(step)
    return machine


@pytest.mark.parametrize(("source", "target"), list(itertools.product(DeviceState, DeviceState)))
def test_every_pair_of_states_follows_the_table(source: DeviceState, target: DeviceState) -> None:
    machine = _machine_in(source)
    if source is target or target in LEGAL_TRANSITIONS[source]:
        machine.move(target)
        assert machine.state is target
    else:
        with pytest.raises(IllegalTransition, match=f"{source.value} -> {target.value}"):
            machine.move(target)
        assert machine.state is source


@pytest.mark.parametrize("state", list(DeviceState))
def test_close_after_fault_reaches_closed_from_anywhere(state: DeviceState) -> None:
    machine = _machine_in(state)
    machine.close_after_fault()
    assert machine.state is DeviceState.CLOSED


def test_listeners_see_each_move_and_a_failing_listener_does_not_break_the_machine() -> None:
    machine = DeviceStateMachine("test")
    seen: list[tuple[DeviceState, DeviceState]] = []

    def broken(_old: DeviceState, _new: DeviceState) -> None:
        raise RuntimeError("observer bug")

    machine.subscribe(broken)
    unsubscribe = machine.subscribe(lambda old, new: seen.append((old, new)))
    machine.move(DeviceState.IDLE)
    unsubscribe()
    machine.move(DeviceState.CLOSED)
    assert seen == [(DeviceState.CLOSED, DeviceState.IDLE)]
    assert machine.history == [DeviceState.CLOSED, DeviceState.IDLE, DeviceState.CLOSED]
