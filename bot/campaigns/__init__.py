"""The lender's process in time: reminders, contact, arrangement upkeep, legal review, follow-up.

plan.py decides what each loan's day holds (pure of I/O but for the records it
reads), run.py performs what is due at a moment, tasks.py runs that on the task
queue, __main__.py is the command line.
"""
