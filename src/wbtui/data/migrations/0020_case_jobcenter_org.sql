-- 0020: the cases by their Jobcenter, so that a read scope learns in a few probes whether any case of the
-- store lies behind the organisation wall (data/access.py scope_for): when none does, the office's lists
-- and counts leave the wall out (issue #16: the board's count read every case's organisation).

CREATE INDEX ix_case_jobcenter_org ON fbw_case (jobcenter_org_id);
