"""Uppföljning: the registers of the follow-up loop – actions, assignments, recommendations,
steering-group meetings and decisions, and chart annotations – with history and Excel."""

import streamlit as st

from data.registers import REGISTERS
from ui import auth, follow_up

user = auth.require("uppfoljning")

st.title("Uppföljning – åtgärder, uppdrag och beslut", anchor=False)
st.caption("Det som beslutats ska följas upp: åtgärder kopplade till målen, kommunfullmäktiges uppdrag, "
           "revisionens rekommendationer och styrgruppens beslut. Varje ändring sparas som en ny version "
           "med vem och när; inget raderas.")

st.subheader("Försenat och förfaller snart", anchor=False)
follow_up.due_section(user, link=False)

names = list(REGISTERS)
chosen = st.segmented_control("Register", names, format_func=lambda n: REGISTERS[n].label, default=names[0],
                              key="register", bind="query-params") or names[0]
st.subheader(REGISTERS[chosen].label, anchor=False)
follow_up.register_view(REGISTERS[chosen], user)
