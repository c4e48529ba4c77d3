"""Number holdings on the registry: who collected a person's number, for what, until when.

A body records that it holds a person's number (個人番号の収集・保管) only with a valid identity
receipt and for a task it may perform (番号法 第15条, 第16条, 第19条, 第20条); every collection and
every refusal is recorded here and in the hub's ledger, and a holding ends at the end of its
retention with a signed deletion receipt.
"""
