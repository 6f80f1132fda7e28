-- 0014: the date of the Kooperationsplan (§ 15 SGB II) the training rests on (issue 15; sync schema 5).
-- The Jobcenter records when the plan that names the further training was agreed or last updated; the
-- Übergabebogen names it (README "Documents").

ALTER TABLE fbw_case ADD COLUMN kooperationsplan_on DATE;
