"""Parts that rely on another part's surveys: what each assumes was surveyed, and whether that held.

A part with events at a new venue whose survey another part plans depends on that part: the venue's later events
may be served only if the survey took place. It does not wait: it is solved at once assuming every survey it could
rely on takes place, and solved again in the rare case one did not.
"""

from __future__ import annotations

from dataclasses import replace

from allocator.planner.candidates import Role
from allocator.planner.domain import Problem
from allocator.planner.parts import Part


class SurveyReliance:
    """Sets each relying part's assumption on creation; `held` checks it once the parts it relies on finished."""

    def __init__(self, problem: Problem, parts: list[Part]) -> None:
        self.venues = {id(c): {x.ref for x in c.cands if x.role is Role.SURVEY} for c in parts}
        new_venues = {v.id for v in problem.venues if not v.surveyed}
        self.surveying = [c for c in parts if self.venues[id(c)]]
        published_surveys = {a.survey.venue for a in problem.previous if a.survey and a.survey.venue}
        self.needs: dict[int, set[str]] = {}
        self.relies_on: dict[int, list[Part]] = {}
        for comp in parts:
            if self.venues[id(comp)]:
                continue  # a part planning surveys itself relies on no other (so nothing waits in a circle)
            needs = {x.site for x in comp.cands if x.role is Role.EVENT and x.site and x.site in new_venues}
            self.needs[id(comp)] = needs
            self.relies_on[id(comp)] = [o for o in self.surveying if self.venues[id(o)] & needs]
            assumed = {v for o in self.relies_on[id(comp)] for v in self.venues[id(o)]} & needs
            if problem.previous:  # a re-plan: the best guess is what the published plan surveyed
                assumed &= published_surveys
            comp.workflow = replace(comp.workflow, surveyed=frozenset(assumed))

    def plans_surveys(self, comp: Part) -> bool:
        return bool(self.venues[id(comp)])

    def held(self, comp: Part) -> bool:
        """The surveys a finished part relied on took place; if not, it is reset to be solved again."""
        done = {a.survey.venue for o in self.relies_on.get(id(comp), []) for a in o.result or [] if a.survey}
        actual = frozenset(v for v in done & self.needs.get(id(comp), set()) if v is not None)
        if actual == comp.workflow.surveyed:
            return True
        comp.workflow = replace(comp.workflow, surveyed=actual)
        comp.reused, comp.greedy, comp.model, comp.solution, comp.result = False, None, None, None, None
        comp.fingerprint = ""  # its surveys changed: taken again
        comp.levels, comp.warnings, comp.fallback, comp.released = [], [], False, None
        return False
