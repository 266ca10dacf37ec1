"""Tillgänglighetsredogörelse: the accessibility statement DOS-lagen requires, open to every role."""

import streamlit as st

from ui import accessibility, auth

user = auth.require("tillganglighet")

# the long word would break mid-word in a title at tablet width: it is the subheading
st.title("Tillgänglighet", anchor=False)
st.subheader("Tillgänglighetsredogörelse för Samverkan", anchor=False)
accessibility.statement()
