"""A resident's bank accounts, as the register knows them, in the resident's own name.

* The public-benefit receipt account (公金受取口座): one per resident, into which benefits are paid.
* Deposit accounts linked to the number (預貯金口座付番, 口座管理制度): as many as the resident
  chooses, up to a limit, so that banks find them by number -- after a disaster or a death too.
  Linking is voluntary, and the resident may unlink any of them. Balances are never reported
  to the state.
"""
